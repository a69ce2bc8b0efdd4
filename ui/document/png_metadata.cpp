#include "ui/document/png_metadata.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonValue>
#include <QLocale>
#include <QRegularExpression>
#include <QStringList>
#include <QVariant>

#include <algorithm>
#include <array>
#include <cstdint>

#include <zlib.h>

namespace {

// Keys with a fixed title in the text format, in the order other tools write them.
struct KnownKey {
  const char* key;
  const char* title;
};
constexpr std::array<KnownKey, 6> kKnownKeys{{{"steps", "Steps"},
                                              {"sampler", "Sampler"},
                                              {"cfg_scale", "CFG scale"},
                                              {"seed", "Seed"},
                                              {"model_hash", "Model hash"},
                                              {"model", "Model"}}};

QString titleForKey(const QString& key) {
  for (const KnownKey& k : kKnownKeys)
    if (key == QLatin1String(k.key)) return QString::fromLatin1(k.title);
  QString title = key;
  title.replace(QLatin1Char('_'), QLatin1Char(' '));
  if (!title.isEmpty()) title[0] = title[0].toUpper();
  return title;
}

QString keyForTitle(const QString& title) {
  for (const KnownKey& k : kKnownKeys)
    if (title.compare(QLatin1String(k.title), Qt::CaseInsensitive) == 0)
      return QString::fromLatin1(k.key);
  QString key = title.trimmed().toLower();
  static const QRegularExpression separators(QStringLiteral("[ \\-/]+"));
  key.replace(separators, QStringLiteral("_"));
  return key;
}

QString jsonQuote(const QString& s) {
  const QByteArray json = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
  return QString::fromUtf8(json.mid(1, json.size() - 2));  // strip [ and ]
}

QString jsonUnquote(const QString& quoted) {
  const QJsonDocument doc = QJsonDocument::fromJson(QStringLiteral("[%1]").arg(quoted).toUtf8());
  if (doc.isArray() && doc.array().size() == 1 && doc.array().at(0).isString())
    return doc.array().at(0).toString();
  return quoted.mid(1, quoted.size() - 2);
}

// Values holding the separators of the text format are JSON-quoted, as other tools do.
QString formatValue(const QJsonValue& v) {
  if (v.isBool()) return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
  if (v.isDouble()) {
    if (v.toVariant().typeId() == QMetaType::LongLong) return QString::number(v.toInteger());
    return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
  }
  const QString s = v.toString();
  if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char(':')) ||
      s.contains(QLatin1Char('\n')) || s.startsWith(QLatin1Char('"')))
    return jsonQuote(s);
  return s;
}

QJsonValue parseValue(const QString& raw) {
  const QString s = raw.trimmed();
  if (s.startsWith(QLatin1Char('"')) && s.endsWith(QLatin1Char('"')) && s.size() >= 2)
    return jsonUnquote(s);
  bool ok = false;
  const qlonglong i = s.toLongLong(&ok);
  if (ok) return QJsonValue(static_cast<qint64>(i));
  const double d = s.toDouble(&ok);
  if (ok) return d;
  if (s == QLatin1String("true")) return true;
  if (s == QLatin1String("false")) return false;
  return s;
}

// Names and hashes stay strings even when they look like numbers.
bool isStringKey(const QString& key) {
  static const QStringList keys{QStringLiteral("prompt"), QStringLiteral("negative_prompt"),
                                QStringLiteral("sampler"), QStringLiteral("model"),
                                QStringLiteral("model_hash")};
  return keys.contains(key);
}

// "Key: value, Key: "quoted, value", ..." -> (title, raw value) pairs.
QList<QPair<QString, QString>> splitParameterLine(const QString& line) {
  static const QRegularExpression re(
      QStringLiteral(R"(\s*(\w[\w \-/]*):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$))"));
  QList<QPair<QString, QString>> out;
  auto it = re.globalMatch(line);
  while (it.hasNext()) {
    const auto m = it.next();
    if (m.capturedLength(0) == 0) break;
    out.append({m.captured(1).trimmed(), m.captured(2)});
  }
  return out;
}

std::uint32_t crc32(const QByteArray& data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = table[(c ^ static_cast<std::uint8_t>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void appendBigEndian(QByteArray* out, std::uint32_t v) {
  out->append(static_cast<char>((v >> 24) & 0xFF));
  out->append(static_cast<char>((v >> 16) & 0xFF));
  out->append(static_cast<char>((v >> 8) & 0xFF));
  out->append(static_cast<char>(v & 0xFF));
}

QByteArray makeChunk(const QByteArray& type, const QByteArray& data) {
  QByteArray typeAndData = type + data;
  QByteArray chunk;
  appendBigEndian(&chunk, static_cast<std::uint32_t>(data.size()));
  chunk += typeAndData;
  appendBigEndian(&chunk, crc32(typeAndData));
  return chunk;
}

// A zlib stream of unknown decompressed size (qUncompress wants the size up front and grows
// its buffer when the guess is short).
// At most `limit` bytes of a zlib stream; false when it holds more or is corrupt.
bool inflateZlib(const QByteArray& stream, qsizetype limit, QByteArray* out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stream.constData()));
  zs.avail_in = static_cast<uInt>(stream.size());
  char buf[1 << 14];
  int rc = Z_OK;
  out->clear();
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out->append(buf, qsizetype(sizeof buf - zs.avail_out));
    if (out->size() > limit || (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)) break;
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END && out->size() <= limit;
}

bool isLatin1(const QString& s) {
  for (QChar c : s)
    if (c.unicode() > 0xFF) return false;
  return true;
}

}  // namespace

QString formatParametersText(const QJsonObject& p) {
  QStringList lines;
  lines << p.value(QStringLiteral("prompt")).toString();
  const QString negative = p.value(QStringLiteral("negative_prompt")).toString();
  if (!negative.isEmpty()) lines << QStringLiteral("Negative prompt: ") + negative;

  QStringList params;
  auto add = [&](const QString& key) {
    const QJsonValue v = p.value(key);
    if (v.isUndefined() || v.isNull() || v.isArray() || v.isObject()) return;
    params << titleForKey(key) + QStringLiteral(": ") + formatValue(v);
  };
  for (int i = 0; i < 4; ++i) add(QString::fromLatin1(kKnownKeys[i].key));  // steps .. seed
  if (p.contains(QStringLiteral("width")) && p.contains(QStringLiteral("height")))
    params << QStringLiteral("Size: %1x%2")
                  .arg(p.value(QStringLiteral("width")).toInteger())
                  .arg(p.value(QStringLiteral("height")).toInteger());
  add(QStringLiteral("model_hash"));
  add(QStringLiteral("model"));
  static const QStringList handled{QStringLiteral("prompt"),     QStringLiteral("negative_prompt"),
                                   QStringLiteral("width"),      QStringLiteral("height"),
                                   QStringLiteral("steps"),      QStringLiteral("sampler"),
                                   QStringLiteral("cfg_scale"),  QStringLiteral("seed"),
                                   QStringLiteral("model_hash"), QStringLiteral("model")};
  for (auto it = p.begin(); it != p.end(); ++it)
    if (!handled.contains(it.key())) add(it.key());
  if (!params.isEmpty()) lines << params.join(QStringLiteral(", "));
  return lines.join(QLatin1Char('\n'));
}

QJsonObject parseParametersText(const QString& text) {
  QStringList lines = text.trimmed().split(QLatin1Char('\n'));
  QJsonObject out;
  if (lines.isEmpty() || text.trimmed().isEmpty()) return out;

  // The last line holds the parameters when it starts with "Steps:" or parses as at least three
  // "Key: value" pairs (a prompt may contain a colon or two by chance).
  const QList<QPair<QString, QString>> pairs = splitParameterLine(lines.last());
  if (pairs.size() >= 3 || (!pairs.isEmpty() && lines.last().startsWith(QLatin1String("Steps:")))) {
    lines.removeLast();
    for (const auto& [title, raw] : pairs) {
      const QString key = keyForTitle(title);
      if (key == QLatin1String("size")) {
        const QStringList wh = raw.trimmed().split(QLatin1Char('x'));
        bool okW = false, okH = false;
        const int w = wh.value(0).toInt(&okW), h = wh.value(1).toInt(&okH);
        if (wh.size() == 2 && okW && okH) {
          out.insert(QStringLiteral("width"), w);
          out.insert(QStringLiteral("height"), h);
          continue;
        }
      }
      QJsonValue v = parseValue(raw);
      if (isStringKey(key) && !v.isString()) v = raw.trimmed();
      out.insert(key, v);
    }
  }
  QStringList prompt, negative;
  bool inNegative = false;
  for (const QString& line : lines) {
    if (line.startsWith(QLatin1String("Negative prompt:"))) {
      inNegative = true;
      negative << line.mid(16).trimmed();
    } else {
      (inNegative ? negative : prompt) << line;
    }
  }
  out.insert(QStringLiteral("prompt"), prompt.join(QLatin1Char('\n')).trimmed());
  if (!negative.isEmpty())
    out.insert(QStringLiteral("negative_prompt"), negative.join(QLatin1Char('\n')).trimmed());
  return out;
}

QString formatPromptbrushChunk(const QJsonArray& applied) {
  QJsonObject root;
  root.insert(QStringLiteral("version"), 1);
  root.insert(QStringLiteral("applied"), applied);
  return QString::fromUtf8(QJsonDocument(root).toJson(QJsonDocument::Compact));
}

QJsonArray parsePromptbrushChunk(const QString& text) {
  const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
  if (!doc.isObject()) return {};
  const QJsonObject root = doc.object();
  if (root.contains(QStringLiteral("applied")))
    return root.value(QStringLiteral("applied")).toArray();
  if (root.isEmpty()) return {};
  // The command-line tool writes one flat object with string values: type them the way the
  // text format is typed, so that both read the same.
  QJsonObject typed;
  for (auto it = root.begin(); it != root.end(); ++it) {
    QJsonValue v = it.value();
    if (v.isString() && !isStringKey(it.key())) v = parseValue(v.toString());
    typed.insert(it.key(), v);
  }
  return QJsonArray{typed};
}

QByteArray insertPngTextChunks(const QByteArray& png, const QList<QPair<QString, QString>>& texts) {
  static const QByteArray signature("\x89PNG\r\n\x1a\n", 8);
  // Signature, then IHDR: 4 length + 4 type + 13 data + 4 crc.
  constexpr int kIhdrEnd = 8 + 4 + 4 + 13 + 4;
  if (png.size() < kIhdrEnd || !png.startsWith(signature) || png.mid(12, 4) != "IHDR") return {};
  QByteArray chunks;
  for (const auto& [key, value] : texts) {
    QByteArray data = key.toLatin1().left(79);  // PNG keywords are 1..79 Latin-1 bytes
    data.append('\0');
    if (isLatin1(value)) {
      data += value.toLatin1();
      chunks += makeChunk("tEXt", data);
    } else {
      // Compression flag 0, method 0, empty language tag and translated keyword.
      data.append('\0').append('\0').append('\0').append('\0');
      data += value.toUtf8();
      chunks += makeChunk("iTXt", data);
    }
  }
  QByteArray out = png.left(kIhdrEnd);
  out += chunks;
  out += png.mid(kIhdrEnd);
  return out;
}

QList<QPair<QString, QString>> readPngTextChunks(const QString& path) {
  // Our own chunk walk: Qt's reader folds newlines in text chunks into spaces, and the
  // parameters text is line-based.
  QList<QPair<QString, QString>> out;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return out;
  if (file.read(8) != QByteArray("\x89PNG\r\n\x1a\n", 8)) return out;
  // Text a file can make us hold: what we write is a few KB; a zTXt bomb must not
  // inflate to gigabytes (what does not fit is skipped, like a damaged chunk).
  constexpr quint32 kMaxTextChunk = 16u << 20;
  constexpr qsizetype kMaxTextValue = 8 << 20;
  constexpr qsizetype kMaxTextTotal = 16 << 20;
  constexpr int kMaxTextChunks = 64;
  qsizetype total = 0;
  while (out.size() < kMaxTextChunks) {
    const QByteArray header = file.read(8);
    if (header.size() < 8) break;
    const quint32 length = (quint32(uchar(header[0])) << 24) | (quint32(uchar(header[1])) << 16) |
                           (quint32(uchar(header[2])) << 8) | quint32(uchar(header[3]));
    const QByteArray type = header.mid(4, 4);
    if (type == "IEND" || length > 0x7FFFFFFFu) break;
    const bool isText = type == "tEXt" || type == "zTXt" || type == "iTXt";
    if (!isText || length > kMaxTextChunk) {
      if (!file.seek(file.pos() + qint64(length) + 4)) break;
      continue;
    }
    const QByteArray data = file.read(length);
    file.read(4);  // CRC
    if (data.size() != qint64(length)) break;
    const int nul = data.indexOf('\0');
    if (nul <= 0) continue;
    const QString key = QString::fromLatin1(data.left(nul));
    QByteArray rest = data.mid(nul + 1);
    QString value;
    if (type == "tEXt") {
      value = QString::fromLatin1(rest);
    } else if (type == "zTXt") {
      if (rest.isEmpty()) continue;
      QByteArray inflated;
      if (!inflateZlib(rest.mid(1), std::min(kMaxTextValue, kMaxTextTotal - total), &inflated))
        continue;  // skip the method byte; too large or corrupt: skipped
      value = QString::fromLatin1(inflated);
    } else {
      // compression flag, method, language tag\0, translated keyword\0, text
      if (rest.size() < 2) continue;
      const bool compressed = rest[0] != 0;
      rest = rest.mid(2);
      const int langEnd = rest.indexOf('\0');
      if (langEnd < 0) continue;
      const int transEnd = rest.indexOf('\0', langEnd + 1);
      if (transEnd < 0) continue;
      rest = rest.mid(transEnd + 1);
      QByteArray inflated;
      if (compressed &&
          !inflateZlib(rest, std::min(kMaxTextValue, kMaxTextTotal - total), &inflated))
        continue;
      value = QString::fromUtf8(compressed ? inflated : rest);
    }
    total += value.size();
    if (total > kMaxTextTotal) break;
    out.append({key, value});
  }
  return out;
}

QString pngTextValue(const QList<QPair<QString, QString>>& chunks, const QString& key) {
  for (const auto& [k, v] : chunks)
    if (k == key) return v;
  return {};
}

QByteArray pngWithoutTextChunks(const QByteArray& png, bool* damaged) {
  if (damaged) *damaged = false;
  // Signature, then chunks of length (4, big-endian), type (4), data, CRC (4).
  if (!png.startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8))) return png;
  QByteArray out = png.left(8);
  qsizetype pos = 8;
  while (pos + 8 <= png.size()) {
    const auto* p = reinterpret_cast<const uchar*>(png.constData() + pos);
    const quint32 length =
        (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3];
    if (qint64(length) + 12 > png.size() - pos) {  // damaged: keep the rest as it is
      if (damaged) *damaged = true;
      break;
    }
    const QByteArray type = png.mid(pos + 4, 4);
    if (type != "tEXt" && type != "zTXt" && type != "iTXt") out += png.mid(pos, 12 + length);
    pos += 12 + qsizetype(length);
  }
  out += png.mid(pos);
  return out;
}
