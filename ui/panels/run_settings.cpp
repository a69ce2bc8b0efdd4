#include "ui/panels/run_settings.h"

#include <QJsonArray>
#include <QObject>

#include "ui/document/png_metadata.h"

namespace {
template <class E>
E enumFrom(const QJsonObject& o, const char* key, E fallback, int count) {
  const int v = o.value(key).toInt(int(fallback));
  return (v >= 0 && v < count) ? E(v) : fallback;
}

// Mask grow and feather: a whole number in a sane range, else unset (the engine's default).
std::optional<int> pixelsFrom(const QString& text) {
  bool ok = false;
  const int v = text.trimmed().toInt(&ok);
  if (!ok || v < -4096 || v > 4096) return std::nullopt;
  return v;
}

std::optional<bool> boolFrom(const QString& text) {
  const QString t = text.trimmed().toLower();
  if (t == QLatin1String("true") || t == QLatin1String("1") || t == QLatin1String("yes") ||
      t == QLatin1String("on"))
    return true;
  if (t == QLatin1String("false") || t == QLatin1String("0") || t == QLatin1String("no") ||
      t == QLatin1String("off"))
    return false;
  return std::nullopt;
}

QJsonObject samplingToJson(const SamplingOverride& o) {
  return QJsonObject{{"baseSampler", o.baseSampler},
                     {"baseRespacing", o.baseRespacing},
                     {"upsampleSampler", o.upsampleSampler},
                     {"upsampleRespacing", o.upsampleRespacing}};
}

SamplingOverride samplingFromJson(const QJsonObject& o) {
  SamplingOverride s{o.value("baseSampler").toString(), o.value("baseRespacing").toString(),
                     o.value("upsampleSampler").toString(),
                     o.value("upsampleRespacing").toString()};
  // Respacings are short specs ("ddim25", "10,10,3"); anything else is not ours.
  for (const QString* v :
       {&s.baseSampler, &s.baseRespacing, &s.upsampleSampler, &s.upsampleRespacing})
    if (v->size() > 64) return {};
  return s;
}

QJsonObject maskToJson(const MaskRefinement& m) {
  QJsonObject o{{"colourMatch", m.colourMatch}};
  if (m.growPx) o.insert("growPx", *m.growPx);
  if (m.featherPx) o.insert("featherPx", *m.featherPx);
  return o;
}

std::optional<int> jsonPixels(const QJsonValue& v) {
  if (!v.isDouble()) return std::nullopt;
  return pixelsFrom(QString::number(v.toDouble(), 'g', 17));
}

// Into the ranges the mask controls offer.
std::optional<int> growIn(std::optional<int> v) {
  if (v) v = qBound(MaskRefinement::kMinGrow, *v, MaskRefinement::kMaxGrow);
  return v;
}
std::optional<int> featherIn(std::optional<int> v) {
  if (v) v = qBound(0, *v, MaskRefinement::kMaxFeather);
  return v;
}

MaskRefinement maskFromJson(const QJsonObject& o) {
  MaskRefinement m;
  m.growPx = growIn(jsonPixels(o.value("growPx")));
  m.featherPx = featherIn(jsonPixels(o.value("featherPx")));
  m.colourMatch = o.value("colourMatch").toBool(false);
  return m;
}
}  // namespace

QJsonObject RunSettings::toJson() const {
  return QJsonObject{{"mode", int(mode)},
                     {"method", int(method)},
                     {"prompt", prompt},
                     {"guidanceScale", guidanceScale},
                     {"quality", int(quality)},
                     {"customSteps", customSteps},
                     {"randomSeed", randomSeed},
                     // Seeds are 64-bit; JSON numbers are doubles, so keep the digits.
                     {"seed", QString::number(seed)},
                     {"candidates", candidates},
                     {"previewOnly", previewOnly},
                     {"sampling", samplingToJson(sampling)},
                     {"mask", maskToJson(mask)}};
}

RunSettings RunSettings::fromJson(const QJsonObject& o) {
  RunSettings s;
  s.mode = enumFrom(o, "mode", s.mode, kGenerationModeCount);
  s.method = enumFrom(o, "method", s.method, 3);
  s.prompt = o.value("prompt").toString();
  s.guidanceScale = o.value("guidanceScale").toDouble(s.guidanceScale);
  s.quality = enumFrom(o, "quality", s.quality, 3);
  s.customSteps = qBound(1, o.value("customSteps").toInt(s.customSteps), 1000);
  s.randomSeed = o.value("randomSeed").toBool(s.randomSeed);
  s.seed = o.value("seed").toString().toULongLong();
  s.candidates = qBound(1, o.value("candidates").toInt(s.candidates), 16);
  s.previewOnly = o.value("previewOnly").toBool(s.previewOnly);
  s.sampling = samplingFromJson(o.value("sampling").toObject());
  s.mask = maskFromJson(o.value("mask").toObject());
  return s;
}

RunSettings settingsFromParameters(const QJsonObject& p, RunSettings s) {
  // Values may be numbers or strings (parsed back from the PNG text).
  auto text = [&p](const char* key) { return p.value(key).toVariant().toString().trimmed(); };
  if (p.contains("prompt")) s.prompt = text("prompt");
  bool ok = false;
  const double cfg = text("cfg_scale").toDouble(&ok);
  if (ok) s.guidanceScale = cfg;
  const quint64 seed = text("seed").toULongLong(&ok);
  if (ok) {
    s.seed = seed;
    s.randomSeed = false;
  }
  const int steps = text("steps").toInt(&ok);
  if (ok && steps > 0) {
    s.quality = QualityPreset::Custom;
    s.customSteps = qBound(1, steps, 1000);
  }
  const int candidates = text("candidates").toInt(&ok);
  if (ok && candidates > 0) s.candidates = qBound(1, candidates, 8);
  // GLIDE runs name their preset; any other sampling is kept exactly as it was.
  const QString preset = text("preset");
  const SamplingOverride recorded =
      samplingFromJson(QJsonObject{{"baseSampler", text("sampler")},
                                   {"baseRespacing", text("base_respacing")},
                                   {"upsampleSampler", text("upsample_sampler")},
                                   {"upsampleRespacing", text("upsample_respacing")}});
  const GenerationMode glideMode = text("mode") == QLatin1String("text2im")
                                       ? GenerationMode::TextToImage
                                       : GenerationMode::Inpaint;
  // A preset's name stands for its sampling only while that is the recorded one (a run
  // without the upsampler records no upsampler sampling).
  auto isPreset = [&](QualityPreset q) {
    if (recorded.isEmpty()) return true;
    const SamplingOverride want = presetSampling(q, glideMode);
    return recorded.baseSampler == want.baseSampler &&
           recorded.baseRespacing == want.baseRespacing &&
           (recorded.upsampleRespacing.isEmpty() ||
            (recorded.upsampleSampler == want.upsampleSampler &&
             recorded.upsampleRespacing == want.upsampleRespacing));
  };
  s.sampling = {};
  if (preset == QLatin1String("fast") && isPreset(QualityPreset::Fast)) {
    s.quality = QualityPreset::Fast;
  } else if (preset == QLatin1String("default") && isPreset(QualityPreset::Default)) {
    s.quality = QualityPreset::Default;
  } else if (!recorded.isEmpty() && text("mode") != QLatin1String("variations")) {
    s.quality = QualityPreset::Custom;
    s.sampling = recorded;
  }
  if (p.contains("mask_grow")) s.mask.growPx = growIn(pixelsFrom(text("mask_grow")));
  if (p.contains("mask_feather")) s.mask.featherPx = featherIn(pixelsFrom(text("mask_feather")));
  if (auto on = boolFrom(text("colour_match"))) s.mask.colourMatch = *on;
  const QString model = text("model") + QLatin1Char(' ') + text("mode");
  if (text("mode") == QLatin1String("variations")) {
    s.mode = GenerationMode::Variations;
    if (p.contains("upsample_respacing"))
      s.previewOnly = false;
    else if (p.contains("base_resolution"))
      s.previewOnly = true;
  } else if (model.contains(QLatin1String("classic"), Qt::CaseInsensitive)) {
    s.mode = GenerationMode::Inpaint;
    s.method = model.contains(QLatin1String("navier"), Qt::CaseInsensitive)
                   ? FillMethod::ClassicNavierStokes
                   : FillMethod::ClassicTelea;
  } else if (model.contains(QLatin1String("inpaint"), Qt::CaseInsensitive)) {
    s.mode = GenerationMode::Inpaint;
    s.method = FillMethod::Glide;
  } else if (model.contains(QLatin1String("text"), Qt::CaseInsensitive) ||
             model.contains(QLatin1String("base"), Qt::CaseInsensitive)) {
    s.mode = GenerationMode::TextToImage;
  }
  return s;
}

SamplingOverride presetSampling(QualityPreset quality, GenerationMode mode) {
  switch (quality) {
    case QualityPreset::Fast:
      return {QStringLiteral("DPM++ 2M"), QStringLiteral("lsnr15"), QStringLiteral("DDIM"),
              QStringLiteral("ddim10")};
    case QualityPreset::Default:
      // The notebooks: inpainting samples its upsampler with DDPM, text2im with DDIM.
      return {QStringLiteral("DDPM"), QStringLiteral("100"),
              mode == GenerationMode::TextToImage ? QStringLiteral("DDIM") : QStringLiteral("DDPM"),
              QStringLiteral("fast27")};
    case QualityPreset::Custom:
      break;
  }
  return {};
}

QString modeName(GenerationMode mode) {
  switch (mode) {
    case GenerationMode::Inpaint:
      return QObject::tr("Inpaint");
    case GenerationMode::TextToImage:
      return QObject::tr("Text to image");
    case GenerationMode::Variations:
      return QObject::tr("Variations");
    case GenerationMode::Interpolate:
      return QObject::tr("Interpolate");
  }
  return {};
}

QString modeDescription(GenerationMode mode) {
  switch (mode) {
    case GenerationMode::Inpaint:
      return QObject::tr("Repaint the masked area from the prompt");
    case GenerationMode::TextToImage:
      return QObject::tr("Generate a whole image from the prompt");
    case GenerationMode::Variations:
      return QObject::tr("New images with the content and style of this one");
    case GenerationMode::Interpolate:
      return QObject::tr("Morph between two images through CLIP space");
  }
  return {};
}

QString methodName(FillMethod method) {
  switch (method) {
    case FillMethod::Glide:
      return QObject::tr("GLIDE diffusion");
    case FillMethod::ClassicTelea:
      return QObject::tr("Classic fill (Telea)");
    case FillMethod::ClassicNavierStokes:
      return QObject::tr("Classic fill (Navier-Stokes)");
  }
  return {};
}

QString qualityName(QualityPreset quality) {
  switch (quality) {
    case QualityPreset::Fast:
      return QObject::tr("Fast");
    case QualityPreset::Default:
      return QObject::tr("Default");
    case QualityPreset::Custom:
      return QObject::tr("Custom steps");
  }
  return {};
}

RunSettings RunRecord::reproducible() const {
  RunSettings s = settings;
  bool ok = false;
  const quint64 reported = parameters.value("seed").toString().toULongLong(&ok);
  if (ok) {
    s.seed = reported;
    s.randomSeed = false;
  } else if (!seeds.isEmpty()) {
    s.seed = seeds.front();
    s.randomSeed = false;
  }
  return s;
}

QJsonObject RunRecord::candidateParameters(int index) const {
  QJsonObject p = parameters;
  if (index >= 0 && index < seeds.size() && settings.usesDiffusion())
    p.insert("seed", QString::number(seeds[index]));
  return p;
}

QList<QPair<QString, QString>> RunRecord::candidatePngTexts(int index) const {
  if (index >= 0 && index < pngTexts.size() && !pngTexts[index].isEmpty()) return pngTexts[index];
  const QJsonObject p = candidateParameters(index);
  if (p.isEmpty()) return {};
  return {{QString::fromLatin1(kPngParametersKey), formatParametersText(p)},
          {QString::fromLatin1(kPngPromptbrushKey), formatPromptbrushChunk(QJsonArray{p})}};
}

QJsonObject RunRecord::toJson() const {
  QJsonArray seedList;
  for (quint64 s : seeds) seedList.append(QString::number(s));
  return QJsonObject{{"id", id},           {"settings", settings.toJson()},
                     {"seeds", seedList},  {"parameters", parameters},
                     {"seconds", seconds}, {"finishedAt", finishedAt.toString(Qt::ISODate)}};
}

RunRecord RunRecord::fromJson(const QJsonObject& o) {
  RunRecord r;
  r.id = o.value("id").toInt();
  r.settings = RunSettings::fromJson(o.value("settings").toObject());
  for (const auto& s : o.value("seeds").toArray()) r.seeds.push_back(s.toString().toULongLong());
  r.parameters = o.value("parameters").toObject();
  r.seconds = o.value("seconds").toDouble();
  r.finishedAt = QDateTime::fromString(o.value("finishedAt").toString(), Qt::ISODate);
  return r;
}
