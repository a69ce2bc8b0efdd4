#pragma once
// A ModelExpectation from a fixture manifest's "state_dict" list (GLIDE's manifests and
// small-model jsons name entries "name", unCLIP's "key"; CLIP's give the dtype OpenAI's
// archive stores in "dtype_in_openai_archive_per_convert_weights").
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "engine/runtime/model_expectation.h"

namespace pbtest {

inline pb::ModelExpectation expectation_from_manifest(const QString& path, const std::string& role,
                                                      const std::string& file,
                                                      const std::string& source) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
  pb::ModelExpectation e;
  e.role = role;
  e.file = file;
  e.source = source;
  for (const QJsonValue& v : root.value("state_dict").toArray()) {
    const QJsonObject o = v.toObject();
    pb::ExpectedTensor t;
    t.name = (o.contains("name") ? o.value("name") : o.value("key")).toString().toStdString();
    const QString archive = o.value("dtype_in_openai_archive_per_convert_weights").toString();
    t.dtype = (archive.isEmpty() ? o.value("dtype").toString() : archive).toStdString();
    std::int64_t n = 1;
    for (const QJsonValue& d : o.value("shape").toArray()) {
      t.shape.push_back(d.toInteger());
      n *= d.toInteger();
    }
    e.parameters += n;
    e.tensors.push_back(std::move(t));
  }
  return e;
}

}  // namespace pbtest
