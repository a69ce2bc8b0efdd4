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
}  // namespace

QJsonObject RunSettings::toJson() const {
  QJsonObject o{{"mode", int(mode)},
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
                {"colourMatch", mask.colourMatch}};
  // Absent: Auto.
  if (mask.growPx) o.insert("growPx", *mask.growPx);
  if (mask.featherPx) o.insert("featherPx", *mask.featherPx);
  return o;
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
  if (o.value("growPx").isDouble())
    s.mask.growPx =
        qBound(MaskRefinement::kMinGrow, o.value("growPx").toInt(), MaskRefinement::kMaxGrow);
  if (o.value("featherPx").isDouble())
    s.mask.featherPx = qBound(0, o.value("featherPx").toInt(), MaskRefinement::kMaxFeather);
  s.mask.colourMatch = o.value("colourMatch").toBool(s.mask.colourMatch);
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
    s.customSteps = steps;
  }
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
