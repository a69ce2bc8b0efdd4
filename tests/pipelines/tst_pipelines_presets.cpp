// The preset table and match_glide_preset: a run's settings name their preset again (what
// restoring a run from its PNG shows), and only the sampling decides, not the run's own
// guidance, seed or candidates.
#include <QtTest>

#include "engine/pipelines/presets.h"

using namespace pb;
using namespace pb::pipelines;

namespace {
std::string preset_of(const GlideSettings& s) {
  const GlidePreset* p = match_glide_preset(s);
  return p ? p->name : std::string();
}
}  // namespace

class PipelinesPresets : public QObject {
  Q_OBJECT

 private slots:
  void everyPresetMatchesItself() {
    QVERIFY(glide_presets().size() >= 2);
    for (const GlidePreset& p : glide_presets()) {
      QVERIFY2(preset_of(p.settings) == p.name, p.name.c_str());
    }
  }

  // The fast preset is the one the accuracy curves chose (README "Fewer steps"), in both
  // modes; the default preset stays the notebooks' reference samplers.
  void fastIsDpmBaseAndDdimUpsampler() {
    for (GlideMode mode : {GlideMode::inpaint, GlideMode::text2im}) {
      const GlideSettings& fast = find_glide_preset("fast", mode)->settings;
      QCOMPARE(int(fast.sampler), int(SamplerKind::dpmpp_2m));
      QCOMPARE(fast.base_respacing, std::string("lsnr15"));
      QCOMPARE(int(fast.upsample_sampler), int(SamplerKind::ddim));
      QCOMPARE(fast.upsample_respacing, std::string("ddim10"));
      const GlideSettings& def = find_glide_preset("default", mode)->settings;
      QCOMPARE(int(def.sampler), int(SamplerKind::ddpm));
      QCOMPARE(def.base_respacing, std::string("100"));
      QCOMPARE(def.upsample_respacing, std::string("fast27"));
    }
  }

  void runSettingsDoNotChangeThePreset() {
    GlideSettings s = find_glide_preset("fast")->settings;
    s.guidance_scale = 3.0f;
    s.seed = 42;
    s.candidates = 4;
    s.upsample = false;
    s.rank_with_clip = true;
    QCOMPARE(preset_of(s), std::string("fast"));
  }

  void anyOtherSamplingMatchesNone() {
    const GlideSettings fast = find_glide_preset("fast")->settings;
    GlideSettings s = fast;
    s.base_respacing = "ddim50";
    QVERIFY(preset_of(s).empty());
    s = fast;
    s.sampler = SamplerKind::ddpm;  // DDPM over the fast respacing
    QVERIFY(preset_of(s).empty());
    s = fast;
    s.upsample_sampler = SamplerKind::ddpm;
    QVERIFY(preset_of(s).empty());
    s = fast;
    s.upsample_respacing = "50";
    QVERIFY(preset_of(s).empty());
    s = fast;
    s.eta = 0.5f;
    QVERIFY(preset_of(s).empty());
    s = fast;
    s.upsample_temperature = 1.0f;
    QVERIFY(preset_of(s).empty());
    // The GUI's "Custom steps" with 100 DDPM steps is the default preset, exactly.
    s = GlideSettings{};
    s.base_respacing = "100";
    QCOMPARE(preset_of(s), std::string("default"));
    s.base_respacing = "50";
    QVERIFY(preset_of(s).empty());
  }
};

QTEST_GUILESS_MAIN(PipelinesPresets)
#include "tst_pipelines_presets.moc"
