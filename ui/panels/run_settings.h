#pragma once
// What the prompt panel asks for and what the window shows about a run: plain Qt
// structs, no engine types. The app layer maps them to pb:: requests.
#include <QDateTime>
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QVector>
#include <optional>

enum class GenerationMode { Inpaint = 0, TextToImage = 1, Variations = 2, Interpolate = 3 };
inline constexpr int kGenerationModeCount = 4;

// How the Inpaint mode fills the mask: GLIDE, or OpenCV's classic inpainting (no weights).
enum class FillMethod { Glide = 0, ClassicTelea = 1, ClassicNavierStokes = 2 };

enum class QualityPreset { Fast = 0, Default = 1, Custom = 2 };

// How a GLIDE run sampled, exactly, when no quality choice says it: restored from a run whose
// parameters name no preset. Empty: the quality's own sampling. Names as the engine writes
// them ("DDPM", "DDIM", "DPM++ 2M"; respacings "100", "ddim25", "lsnr15", "fast27", ...).
struct SamplingOverride {
  QString baseSampler;
  QString baseRespacing;
  QString upsampleSampler;
  QString upsampleRespacing;
  bool isEmpty() const { return baseRespacing.isEmpty(); }
  bool operator==(const SamplingOverride&) const = default;
};

// How the painted mask becomes the pixels that change (GLIDE inpainting; pb::MaskSettings):
// the region grows (or shrinks) by growPx and its seam ramps over featherPx.
struct MaskRefinement {
  static constexpr int kMinGrow = -32, kMaxGrow = 64, kMaxFeather = 64;
  std::optional<int> growPx;     // none: Auto (the engine's choice); < 0 shrinks
  std::optional<int> featherPx;  // none: Auto; 0: a hard edge
  // Shift the result by the mean colour step at the seam; off, as the engine's default.
  bool colourMatch = false;
  bool isDefault() const { return !growPx && !featherPx && !colourMatch; }
  bool operator==(const MaskRefinement&) const = default;
};

struct RunSettings {
  GenerationMode mode = GenerationMode::Inpaint;
  FillMethod method = FillMethod::Glide;
  QString prompt;
  double guidanceScale = 5.0;
  QualityPreset quality = QualityPreset::Default;
  int customSteps = 50;
  bool randomSeed = true;
  quint64 seed = 0;
  int candidates = 1;
  // Variations: stop at the unCLIP decoder's 64 px output (no super-resolution, much sooner).
  bool previewOnly = false;
  SamplingOverride sampling;  // GLIDE: replaces the quality's sampling when set
  MaskRefinement mask;        // Inpaint with GLIDE

  bool usesDiffusion() const {
    return mode != GenerationMode::Inpaint || method == FillMethod::Glide;
  }
  QJsonObject toJson() const;
  static RunSettings fromJson(const QJsonObject& o);
  bool operator==(const RunSettings&) const = default;
};

// Settings from a saved image's generation parameters (png_metadata.h keys: "prompt",
// "cfg_scale", "seed", "steps", "model", "mode"; the engine's "preset", "sampler",
// "base_respacing", "upsample_sampler", "upsample_respacing", "candidates", "mask_grow",
// "mask_feather", "colour_match"): a run's preset comes back as that quality, any other GLIDE
// sampling as Custom with its exact SamplingOverride. What they do not say stays as in `base`.
// A run named "fast" or "default" whose recorded sampling is not that preset's today (a file
// from before the fast preset changed) comes back as Custom with its exact sampling, so that
// it still reproduces.
RunSettings settingsFromParameters(const QJsonObject& parameters, RunSettings base = {});

// The sampling the Fast and Default qualities stand for in a GLIDE mode (Inpaint or
// TextToImage), as a run records it; empty for Custom. The engine's presets table
// (engine/pipelines/presets.cpp) is the source; tests/app/tst_app_presets.cpp checks that
// the two agree.
SamplingOverride presetSampling(QualityPreset quality, GenerationMode mode);

QString modeName(GenerationMode mode);
QString modeDescription(GenerationMode mode);  // one line, for tooltips
QString methodName(FillMethod method);
QString qualityName(QualityPreset quality);

// Whether a mode (or the GLIDE fill method) can run, and why not.
struct ModeAvailability {
  bool available = false;
  QString reason;
};

struct Availability {
  ModeAvailability glideInpaint;  // the Inpaint mode itself always works (classic fill)
  ModeAvailability textToImage;
  ModeAvailability variations;
  ModeAvailability interpolate;
  QString modelsDir;
};

// What a run is doing (mirrors the engine's phases; the UI has no engine types).
enum class RunPhase { Loading, Encoding, Sampling, Pasting };

struct RunProgress {
  RunPhase phase = RunPhase::Sampling;
  QString model;  // the file at work ("base_inpaint.pt")
  QString stage;  // sampling: "base", "upsample", "decoder", ...; otherwise a short description
  int stageIndex = 0;  // sampling: stage stageIndex of stageCount
  int stageCount = 0;
  int step = 0;
  int total = 0;
  int overallStep = 0;
  int overallTotal = 0;
  double elapsedSeconds = 0;
  double remainingSeconds = -1;  // -1 while unknown
};

// One finished run, for the gallery and the history.
struct RunRecord {
  int id = 0;
  QImage thumbnail;  // the history's icon of the run (kept when the images are not)
  RunSettings settings;
  QVector<QImage> images;  // candidates, at the document's size
  QVector<quint64> seeds;  // one per candidate
  QJsonObject parameters;  // what the engine reports ("prompt", "steps", "seed", ...)
  // Per candidate, the PNG text chunks (key, text) that promptbrush-cli writes into its file;
  // empty for runs that did not come from the engine (restored history, tests).
  QVector<QList<QPair<QString, QString>>> pngTexts;
  double seconds = 0;
  QDateTime finishedAt;
  // An explored GLIDE run (base stage only) whose candidates can be finished in this session.
  bool finishable = false;

  // The settings that reproduce this run exactly (its seed fixed).
  RunSettings reproducible() const;
  // The parameters of candidate `index`: the run's, with that candidate's own seed.
  QJsonObject candidateParameters(int index) const;
  // The text chunks a PNG of candidate `index` carries: pngTexts[index] when there, else the
  // "parameters" and "promptbrush" chunks made from candidateParameters(index).
  QList<QPair<QString, QString>> candidatePngTexts(int index) const;

  // The record without images, thumbnail and PNG chunks (the run history's files).
  QJsonObject toJson() const;
  static RunRecord fromJson(const QJsonObject& o);
};

Q_DECLARE_METATYPE(MaskRefinement)
Q_DECLARE_METATYPE(RunSettings)
Q_DECLARE_METATYPE(RunProgress)
