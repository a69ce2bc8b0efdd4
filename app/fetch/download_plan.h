#pragma once
// Which published files to fetch, as download items whose check is the engine's
// verification (engine/runtime/model_verify.h): shared by promptbrush-fetch-models and the
// models dialog.
#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

#include "app/fetch/model_downloader.h"
#include "engine/runtime/model_files.h"

namespace pbfetch {

// The files named by `words` (any of: "all", "glide", "unclip", a feature id such as
// "inpaint" or "variations", a file's role such as "karlo-sr", or its file name), in the
// order of pb::model_files(). An unknown word sets `error` (naming it and the choices).
std::vector<const pb::ModelFile*> selectFiles(const QStringList& words, QString* error);
// Every choice selectFiles knows, for help texts.
QString selectionChoices();

// $PROMPTBRUSH_MODELS_MIRROR: a local mirror of the files (URL/NAME), used by the models
// dialog and as promptbrush-fetch-models' default --mirror; empty when unset.
QString mirrorFromEnvironment();

// `mirror` (if not empty) replaces the official location: MIRROR/NAME.
DownloadItem downloadItem(const pb::ModelFile& file, const QString& mirror = {});

// The size a person will download before it is known from the server: exact for the
// tokenizers, else estimated from the expected tensors ("about 1.54 GB"); bytes = 0 if unknown.
qint64 expectedDownloadBytes(const pb::ModelFile& file, bool* exact = nullptr);

}  // namespace pbfetch
