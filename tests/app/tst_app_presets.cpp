// The UI's Fast and Default qualities mean the engine's GLIDE presets: the sampling the UI
// expects of each (presetSampling, which restoring a saved run compares against) is the
// engine's table, and a run restored from a file of an earlier fast preset runs that file's
// exact sampling again, not today's preset.
#include <QtTest>

#include "app/gui/run_requests.h"
#include "engine/pipelines/presets.h"
#include "ui/panels/run_settings.h"

namespace {

SamplingOverride engineSampling(const pb::GlideSettings& g) {
  return {QString::fromLatin1(pb::pipelines::sampler_label(g.sampler)),
          QString::fromStdString(g.base_respacing),
          QString::fromLatin1(pb::pipelines::sampler_label(g.upsample_sampler)),
          QString::fromStdString(g.upsample_respacing)};
}

}  // namespace

class TestAppPresets : public QObject {
  Q_OBJECT

 private slots:
  void uiPresetSamplingIsTheEngines() {
    const QPair<GenerationMode, pb::pipelines::GlideMode> modes[] = {
        {GenerationMode::Inpaint, pb::pipelines::GlideMode::inpaint},
        {GenerationMode::TextToImage, pb::pipelines::GlideMode::text2im}};
    const QPair<QualityPreset, const char*> qualities[] = {{QualityPreset::Fast, "fast"},
                                                           {QualityPreset::Default, "default"}};
    for (const auto& [ui, engine] : modes)
      for (const auto& [quality, name] : qualities) {
        const pb::pipelines::GlidePreset* p = pb::pipelines::find_glide_preset(name, engine);
        QVERIFY(p);
        QCOMPARE(presetSampling(quality, ui), engineSampling(p->settings));
        // And the request built for that quality is the preset's.
        RunSettings s;
        s.mode = ui;
        s.quality = quality;
        QCOMPARE(engineSampling(pbapp::glideSettings(s)), engineSampling(p->settings));
      }
    QVERIFY(presetSampling(QualityPreset::Custom, GenerationMode::Inpaint).isEmpty());
  }

  // A PNG from before the fast preset changed: "fast" with 25 DDIM base steps and a DDPM
  // fast27 upsampler. Restored, it is Custom with that sampling, and runs it.
  void oldFastFileRunsItsOwnSampling() {
    const QJsonObject p{{"mode", "inpaint"},
                        {"preset", "fast"},
                        {"sampler", "DDIM"},
                        {"base_respacing", "ddim25"},
                        {"steps", 25},
                        {"upsample_sampler", "DDPM"},
                        {"upsample_respacing", "fast27"},
                        {"model", "base_inpaint.pt"}};
    const RunSettings s = settingsFromParameters(p);
    QCOMPARE(s.quality, QualityPreset::Custom);
    const pb::GlideSettings g = pbapp::glideSettings(s);
    QCOMPARE(int(g.sampler), int(pb::SamplerKind::ddim));
    QCOMPARE(g.base_respacing, std::string("ddim25"));
    QCOMPARE(int(g.upsample_sampler), int(pb::SamplerKind::ddpm));
    QCOMPARE(g.upsample_respacing, std::string("fast27"));

    // Today's fast run (and one without its upsampler) comes back as Fast.
    QJsonObject now = p;
    now["sampler"] = "DPM++ 2M";
    now["base_respacing"] = "lsnr15";
    now["steps"] = 15;
    now["upsample_sampler"] = "DDIM";
    now["upsample_respacing"] = "ddim10";
    QCOMPARE(settingsFromParameters(now).quality, QualityPreset::Fast);
    now.remove("upsample_sampler");
    now.remove("upsample_respacing");
    QCOMPARE(settingsFromParameters(now).quality, QualityPreset::Fast);
    const RunSettings dpm = settingsFromParameters(now);
    QCOMPARE(int(pbapp::glideSettings(dpm).sampler), int(pb::SamplerKind::dpmpp_2m));
  }
};

QTEST_GUILESS_MAIN(TestAppPresets)
#include "tst_app_presets.moc"
