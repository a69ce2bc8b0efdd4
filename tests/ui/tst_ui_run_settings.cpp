// Restoring a run from its parameters (settingsFromParameters): the preset comes back as that
// quality, any other sampling as Custom with its exact samplers and respacings, and the
// candidates and mask options too; the prompt panel keeps what it has no controls for until
// the person changes the quality or the steps; the queue list names and removes its entries.
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QToolButton>
#include <QtTest>

#include "ui/document/png_metadata.h"
#include "ui/panels/prompt_panel.h"
#include "ui/panels/run_queue_view.h"
#include "ui/panels/run_settings.h"

class TestRunSettings : public QObject {
  Q_OBJECT

 private slots:
  void presetComesBackAsItsQuality() {
    // As promptbrush-cli and the app write them (the JSON chunk, typed as the text is).
    const QJsonObject p{{"prompt", "a fox"},
                        {"mode", "inpaint"},
                        {"preset", "fast"},
                        {"sampler", "DPM++ 2M"},
                        {"base_respacing", "lsnr15"},
                        {"steps", 15},
                        {"seed", 4242},
                        {"cfg_scale", 3.5},
                        {"candidates", 3},
                        {"model", "base_inpaint.pt + upsample_inpaint.pt"}};
    const RunSettings s = settingsFromParameters(p);
    QCOMPARE(s.quality, QualityPreset::Fast);
    QVERIFY(s.sampling.isEmpty());
    QCOMPARE(s.mode, GenerationMode::Inpaint);
    QCOMPARE(s.method, FillMethod::Glide);
    QCOMPARE(s.prompt, QStringLiteral("a fox"));
    QCOMPARE(s.seed, quint64(4242));
    QVERIFY(!s.randomSeed);
    QCOMPARE(s.guidanceScale, 3.5);
    QCOMPARE(s.candidates, 3);
    QVERIFY(s.mask.isDefault());
    QCOMPARE(settingsFromParameters(QJsonObject{{"preset", "default"}, {"steps", 100}}).quality,
             QualityPreset::Default);
  }

  void otherSamplingComesBackExactly() {
    const QJsonObject p{
        {"mode", "inpaint"}, {"sampler", "DDIM"},          {"base_respacing", "ddim50"},
        {"steps", 50},       {"upsample_sampler", "DDPM"}, {"upsample_respacing", "10,10,3"},
        {"mask_grow", 6},    {"mask_feather", "0"},        {"colour_match", false}};
    const RunSettings s = settingsFromParameters(p);
    QCOMPARE(s.quality, QualityPreset::Custom);
    QCOMPARE(s.customSteps, 50);
    const SamplingOverride want{"DDIM", "ddim50", "DDPM", "10,10,3"};
    QCOMPARE(s.sampling, want);
    QCOMPARE(s.mask.growPx, std::optional<int>(6));
    QCOMPARE(s.mask.featherPx, std::optional<int>(0));
    QVERIFY(!s.mask.colourMatch);
    // The same survives the JSON of the settings (the session and the run history).
    QCOMPARE(RunSettings::fromJson(s.toJson()), s);
    // A value that is no number of pixels is no setting: the engine's default.
    const RunSettings odd = settingsFromParameters(
        QJsonObject{{"mask_grow", "auto"}, {"mask_feather", "1e99"}, {"colour_match", "maybe"}});
    QVERIFY(odd.mask.isDefault());
    // Text written by other tools: steps only, as before.
    const RunSettings a1111 = settingsFromParameters(parseParametersText(
        QStringLiteral("a cat\nSteps: 30, Sampler: Euler a, CFG scale: 7, Seed: 12")));
    QCOMPARE(a1111.quality, QualityPreset::Custom);
    QCOMPARE(a1111.customSteps, 30);
    QVERIFY(a1111.sampling.isEmpty());
  }

  void promptPanelKeepsWhatItHasNoControlsFor() {
    PromptPanel panel;
    RunSettings s = settingsFromParameters(QJsonObject{
        {"sampler", "DDIM"}, {"base_respacing", "ddim50"}, {"steps", 50}, {"mask_grow", 4}});
    panel.setSettings(s);
    QCOMPARE(panel.settings().sampling, s.sampling);
    QCOMPARE(panel.settings().mask, s.mask);
    QCOMPARE(panel.settings().customSteps, 50);
    // The person's own choice of steps replaces the restored sampling; the mask options stay.
    QSpinBox* steps = nullptr;
    for (auto* b : panel.findChildren<QSpinBox*>())
      if (b->accessibleName() == "Sampling steps") steps = b;
    QVERIFY(steps);
    steps->setValue(51);
    QVERIFY(panel.settings().sampling.isEmpty());
    QCOMPARE(panel.settings().mask.growPx, std::optional<int>(4));
    panel.setSettings(s);
    QComboBox* quality = nullptr;
    for (auto* c : panel.findChildren<QComboBox*>())
      if (c->accessibleName() == "Quality") quality = c;
    QVERIFY(quality);
    quality->setCurrentIndex(quality->findData(int(QualityPreset::Fast)));
    QVERIFY(panel.settings().sampling.isEmpty());
  }

  void queueViewNamesAndRemovesEntries() {
    RunQueueView view;
    QVERIFY(view.isHidden());
    RunSettings a;
    a.prompt = "a red apple";
    a.quality = QualityPreset::Fast;
    a.randomSeed = false;
    a.seed = 7;
    RunSettings b;
    b.prompt = "a green pear";
    b.quality = QualityPreset::Custom;
    b.customSteps = 12;
    view.setEntries({{3, a}, {4, b}});
    view.show();
    QCOMPARE(view.count(), 2);
    QCOMPARE(view.label(0)->text(), QStringLiteral("Queued: a red apple (Fast, seed 7)"));
    QCOMPARE(view.label(1)->text(), QStringLiteral("Queued: a green pear (12 steps, random seed)"));
    for (int i = 0; i < 2; ++i) {
      QVERIFY(view.removeButton(i)->accessibleName().contains(view.label(i)->text()));
      QVERIFY(!view.removeButton(i)->toolTip().isEmpty());
      QCOMPARE(view.removeButton(i)->focusPolicy(), Qt::TabFocus);
    }
    QSignalSpy removed(&view, &RunQueueView::removeRequested);
    QTest::mouseClick(view.removeButton(1), Qt::LeftButton);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toInt(), 4);
    view.setEntries({});
    QVERIFY(view.isHidden());
  }
};

QTEST_MAIN(TestRunSettings)
#include "tst_ui_run_settings.moc"
