// The ui's own PNG chunk walker (ui/document/png_metadata.cpp, Qt, no libpng): reading text
// chunks from a file, parsing the values found as A1111 text and as our JSON chunk, and
// inserting chunks into the same bytes. Corpus: corpus/png. Never throws; anything that is
// not a clean return is a bug.
#include <QByteArray>
#include <QString>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "ui/document/png_metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = pb::fuzz::input_file().write(data, size);
  const auto chunks = readPngTextChunks(QString::fromStdString(path));
  for (const auto& [key, value] : chunks) {
    parseParametersText(value);
    parsePromptbrushChunk(value);
  }
  pngTextValue(chunks, QString::fromLatin1(kPngParametersKey));
  const QByteArray png =
      QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
  insertPngTextChunks(png,
                      {{QStringLiteral("parameters"), QStringLiteral("a cat\nSteps: 5")},
                       {QStringLiteral("promptbrush"), QStringLiteral("{\"v\": \"\u00e9\"}")}});
  return 0;
}
