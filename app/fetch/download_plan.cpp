#include "app/fetch/download_plan.h"

#include <algorithm>
#include <set>

#include "engine/runtime/model_expectation.h"
#include "engine/runtime/model_verify.h"

namespace pbfetch {

namespace {

bool isGlide(pb::ModelFeature f) {
  return f == pb::ModelFeature::inpaint || f == pb::ModelFeature::text2im;
}

}  // namespace

QString selectionChoices() {
  QStringList words{"all", "glide", "unclip"};
  for (pb::ModelFeature f : pb::kAllFeatures) words << pb::feature_id(f);
  for (const pb::ModelFile& f : pb::model_files()) words << QString::fromStdString(f.role);
  return words.join(", ");
}

std::vector<const pb::ModelFile*> selectFiles(const QStringList& words, QString* error) {
  std::set<const pb::ModelFile*> chosen;
  for (const QString& raw : words) {
    const QString w = raw.trimmed();
    if (w.isEmpty()) continue;
    bool known = false;
    for (const pb::ModelFile& f : pb::model_files()) {
      bool pick =
          w == "all" || w == QString::fromStdString(f.role) || w == QString::fromStdString(f.name);
      for (pb::ModelFeature feature : f.features)
        pick = pick || w == pb::feature_id(feature) || (w == "glide" && isGlide(feature)) ||
               (w == "unclip" && !isGlide(feature));
      if (pick) chosen.insert(&f);
      known = known || pick;
    }
    if (!known) {
      if (error)
        *error =
            QStringLiteral("unknown model set '%1' (choose from: %2)").arg(w, selectionChoices());
      return {};
    }
  }
  std::vector<const pb::ModelFile*> out;
  for (const pb::ModelFile& f : pb::model_files())
    if (chosen.count(&f)) out.push_back(&f);
  return out;
}

QString mirrorFromEnvironment() { return qEnvironmentVariable("PROMPTBRUSH_MODELS_MIRROR"); }

DownloadItem downloadItem(const pb::ModelFile& file, const QString& mirror) {
  DownloadItem item;
  item.name = QString::fromStdString(file.name);
  item.url = mirror.isEmpty() ? QUrl(QString::fromStdString(file.url))
                              : QUrl(mirror + (mirror.endsWith('/') ? "" : "/") +
                                     QString::fromUtf8(QUrl::toPercentEncoding(item.name)));
  item.expectedBytes = file.bytes ? qint64(file.bytes) : -1;
  item.check = [&file](const QString& path) {
    const pb::VerifyResult r = pb::verify_model_file(file, path.toStdString());
    return CheckResult{r.ok(), QString::fromStdString(r.ok() ? r.summary : r.detail())};
  };
  return item;
}

qint64 expectedDownloadBytes(const pb::ModelFile& file, bool* exact) {
  if (exact) *exact = file.bytes != 0;
  if (file.bytes) return qint64(file.bytes);
  if (const pb::ModelExpectation* e = pb::shipped_expectation(file.role))
    return qint64(pb::estimated_bytes(*e));
  return 0;
}

}  // namespace pbfetch
