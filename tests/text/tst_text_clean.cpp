// Text helpers of the tokenizers: UTF-8, Python-compatible lower-casing, HTML unescaping,
// the ftfy emulation, white-space clean-up, gzip reading. Expected values are what
// Python 3.11 (str.lower, html.unescape, regex) gives.
#include <zlib.h>

#include <QtTest>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/text/gzip_file.h"
#include "engine/text/text_clean.h"
#include "engine/text/unicode.h"

using namespace pb::text;

class TestTextClean : public QObject {
  Q_OBJECT

 private slots:
  void lower_like_python() {
    QCOMPARE(lower_full("Stra\u00dfe \u039f\u0394\u039f\u03a3 \u0130stanbul \u01c5"),
             std::string("stra\u00dfe \u03bf\u03b4\u03bf\u03c2 i\u0307stanbul \u01c6"));
    QCOMPARE(lower_full("\u03a3"), std::string("\u03c3"));  // not final: no cased letter before
    QCOMPARE(lower_full("A\u03a3B"), std::string("a\u03c3b"));
  }

  void utf8() {
    QVERIFY(is_valid_utf8("caf\u00e9 \U0001F436"));
    QVERIFY(!is_valid_utf8("\xed\xa0\x80"));  // a surrogate
    QVERIFY(!is_valid_utf8("\xc0\xaf"));      // overlong
    QVERIFY(!is_valid_utf8("\xf4\x90\x80\x80"));
    QCOMPARE(utf8_replace_invalid("a\xe2\x82"
                                  "b\xff"),
             std::string("a\ufffd"
                         "b\ufffd"));
    QVERIFY_THROWS_EXCEPTION(pb::Error, utf8_to_u32("x\x80"));
    QCOMPARE(python_strip("\x1c \t a b \u3000\x1f"), std::string("a b"));
  }

  void byte_alphabet() {
    QCOMPARE(byte_symbols()[' '], std::string("\u0120"));
    QCOMPARE(byte_symbols()['a'], std::string("a"));
    QCOMPARE(byte_symbols()[0], std::string("\u0100"));
    QCOMPARE(byte_symbols()[0xAD], std::string("\u0143"));
    const auto order = byte_symbols_in_vocab_order();
    QCOMPARE(order.size(), size_t(256));
    QCOMPARE(order[0], std::string("!"));
    QCOMPARE(order[188], std::string("\u0100"));
    const std::string bytes("\x00\xff a\xad", 5);
    QCOMPARE(symbols_to_bytes(bytes_to_symbols(bytes)), bytes);
  }

  void html_unescape_like_python_data() {
    QTest::addColumn<QString>("in");
    QTest::addColumn<QString>("out");
    const char* rows[][2] = {
        {"&amp;", "&"},
        {"&amp", "&"},
        {"&ampx", "&x"},
        {"&notit;", "\u00acit;"},
        {"&notin;", "\u2209"},
        {"&#65;&#x42;&#X43", "ABC"},
        {"&#0;", "\ufffd"},
        {"&#128;&#x9f;", "\u20ac\u0178"},
        {"&#xD800;", "\ufffd"},
        {"&#1114112;", "\ufffd"},
        {"&#11;x", "x"},
        {"&#99999999999999999999;", "\ufffd"},
        {"&;", "&;"},
        {"&#;", "&#;"},
        {"&#x;", "&#x;"},
        {"a & b", "a & b"},
        {"&AMP;&LT", "&<"},
        {"&unknownentity;", "&unknownentity;"},
        {"&frac12;&frac12", "\u00bd\u00bd"},
        {"&\u0109x;", "&\u0109x;"},
        {"&lt&gt", "<>"},
        {"&", "&"},
        {"&&amp;", "&&"},
        {"&amp;amp;", "&amp;"},
        {"&Aacute&aacute;", "\u00c1\u00e1"},
    };
    for (const auto& r : rows)
      QTest::newRow(r[0]) << QString::fromUtf8(r[0]) << QString::fromUtf8(r[1]);
  }

  void html_unescape_like_python() {
    QFETCH(QString, in);
    QFETCH(QString, out);
    QCOMPARE(QString::fromStdString(html_unescape(in.toStdString())), out);
  }

  void fix_text_fixers() {
    QCOMPARE(fix_text("don\u2019t say \u201chello\u201d"), std::string("don't say \"hello\""));
    QCOMPARE(fix_text("\ufb01ne \ufb02owers"), std::string("fine flowers"));
    QCOMPARE(fix_text("\uff21\uff22\uff23\u3000\uff46\uff55\uff4c\uff4c"), std::string("ABC full"));
    QCOMPARE(fix_text("cafe\u0301"), std::string("caf\u00e9"));
    QCOMPARE(fix_text("a\x1b[31mred\x1b[0m\x07"), std::string("ared"));
    QCOMPARE(fix_text("wait\xc2\x85"), std::string("wait\u2026"));  // C1 read as Windows-1252
    QCOMPARE(fix_text("a\r\nb\u2028c"), std::string("a\nb\nc"));
    QCOMPARE(fix_text("&amp;amp; &NTILDE; &#65;"), std::string("& \u00d1 A"));
    QCOMPARE(fix_text("<b> &amp;"), std::string("<b> &amp;"));  // '<': HTML left alone
    const std::string plain = "a photo of a cat, caf\u00e9 \u65e5\u672c \U0001F44D\U0001F3FD";
    QCOMPARE(fix_text(plain), plain);
  }

  void whitespace() {
    QCOMPARE(whitespace_clean("  a\t\n b\u2003\u3000c \x0b"), std::string("a b c"));
    QCOMPARE(whitespace_clean("a\x1c"
                              "b"),
             std::string("a\x1c"
                         "b"));
  }

  void gzip_errors() {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "pb_text_gzip";
    fs::create_directories(dir);
    try {
      read_gzip_file((dir / "absent.gz").string());
      QFAIL("missing file read");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::file_not_found);
      QVERIFY(QString(e.what()).contains("absent.gz"));
    }
    std::ofstream(dir / "empty.gz", std::ios::binary) << "";
    QVERIFY_THROWS_EXCEPTION(pb::Error, read_gzip_file((dir / "empty.gz").string()));

    // 100 MiB of zeros gzip to ~100 KB: refused once past the limit, not inflated whole.
    const std::string zeros(100u << 20, '\0');
    z_stream zs{};
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    std::string gz(deflateBound(&zs, zeros.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(zeros.size());
    zs.next_out = reinterpret_cast<Bytef*>(gz.data());
    zs.avail_out = static_cast<uInt>(gz.size());
    QCOMPARE(deflate(&zs, Z_FINISH), Z_STREAM_END);
    gz.resize(zs.total_out);
    deflateEnd(&zs);
    std::ofstream(dir / "bomb.gz", std::ios::binary) << gz;
    try {
      read_gzip_file((dir / "bomb.gz").string());
      QFAIL("a gzip bomb was inflated");
    } catch (const pb::Error& e) {
      QVERIFY2(QString(e.what()).contains("decompresses to more than 67108864 bytes"), e.what());
      QVERIFY(QString(e.what()).contains("bomb.gz"));
    }
    fs::remove_all(dir);
  }
};

QTEST_GUILESS_MAIN(TestTextClean)
#include "tst_text_clean.moc"
