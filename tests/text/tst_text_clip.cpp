// CLIP tokenizer against unclip/clip_tokenizer_cases.json (every case: BPE ids and pieces,
// Karlo's padded tokens and mask; the ftfy-dependent cases with and without the ftfy
// emulation) and its error handling.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/core/error.h"
#include "engine/text/clip_tokenizer.h"
#include "tests/common/fixtures.h"
#include "tests/common/tokenizer_cases.h"

using pb::text::ClipTokenizer;
using pbtest::bools;
using pbtest::gzip_stored;
using pbtest::ints;
using pbtest::strings;

class TestTextClip : public QObject {
  Q_OBJECT

  std::optional<ClipTokenizer> tok_, raw_;
  QJsonObject cases_;

 private slots:
  void initTestCase() {
    PB_REQUIRE_FIXTURE(dir, "tokenizer/bpe_simple_vocab_16e6.txt.gz");
    PB_REQUIRE_FIXTURE(cases, "unclip/clip_tokenizer_cases.json");
    tok_ = ClipTokenizer::load(pbtest::fixture_std("tokenizer"));
    raw_ = ClipTokenizer::load(pbtest::fixture_std("tokenizer"), {.fix_text = false});
    QFile f(cases);
    QVERIFY(f.open(QIODevice::ReadOnly));
    cases_ = QJsonDocument::fromJson(f.readAll()).object();
    QVERIFY(!cases_.isEmpty());
  }

  void constants() {
    QCOMPARE(ClipTokenizer::kStartToken, int64_t(cases_["sot_token"].toInt()));
    QCOMPARE(ClipTokenizer::kEndToken, int64_t(cases_["eot_token"].toInt()));
    QCOMPARE(ClipTokenizer::kVocabSize, int64_t(cases_["vocab_size"].toInt()));
    QCOMPARE(ClipTokenizer::kContext, cases_["context_length"].toInt());
  }

  void cases_data() {
    QTest::addColumn<QJsonObject>("c");
    const QJsonArray all = cases_["cases"].toArray();
    QVERIFY(all.size() >= 31);
    for (const auto& c : all)
      QTest::newRow(qPrintable(c.toObject()["name"].toString())) << c.toObject();
  }

  void cases() {
    QFETCH(QJsonObject, c);
    const std::string text = c["text"].toString().toStdString();
    const auto expected_ids = ints(c["bpe_ids"].toArray());
    const ClipTokenizer::Trace t = tok_->trace(text);
    QCOMPARE(t.pieces, strings(c["bpe_pieces"].toArray()));
    QCOMPARE(t.ids, expected_ids);
    QCOMPARE(int(t.ids.size()), c["num_bpe"].toInt());
    // Every case is ftfy-invariant: the emulation must leave it alone.
    QCOMPARE(raw_->encode(text), expected_ids);

    const auto padded = tok_->padded_tokens_and_mask(t.ids);
    QCOMPARE(padded.tokens, ints(c["karlo_tokens"].toArray()));
    QCOMPARE(padded.mask, bools(c["karlo_mask"].toArray()));
    QCOMPARE(t.ids.size() + 2 > size_t(ClipTokenizer::kContext), c["truncated"].toBool());
  }

  void ftfy_cases_data() {
    QTest::addColumn<QJsonObject>("c");
    const QJsonArray all = cases_["ftfy_dependent_cases"].toArray();
    QVERIFY(!all.isEmpty());
    for (const auto& c : all)
      QTest::newRow(qPrintable(c.toObject()["name"].toString())) << c.toObject();
  }

  void ftfy_cases() {
    QFETCH(QJsonObject, c);
    const std::string text = c["text"].toString().toStdString();
    const ClipTokenizer::Trace t = tok_->trace(text);
    QCOMPARE(t.pieces, strings(c["bpe_pieces"].toArray()));
    QCOMPARE(t.ids, ints(c["bpe_ids"].toArray()));
    QCOMPARE(tok_->padded_tokens_and_mask(t.ids).tokens, ints(c["karlo_tokens"].toArray()));
    QCOMPARE(tok_->padded_tokens_and_mask(t.ids).mask, bools(c["karlo_mask"].toArray()));
    QCOMPARE(raw_->encode(text), ints(c["ids_if_ftfy_is_skipped"].toArray()));
  }

  void trace_steps() {
    const auto t = tok_->trace("  A&amp;B\t 12 ");
    QCOMPARE(t.cleaned, std::string("a&b 12"));
    QCOMPARE(t.chunks, (std::vector<std::string>{"a", "&", "b", "1", "2"}));
  }

  void ignorecase_quirks() {
    // re.IGNORECASE lets 's' match U+017F; U+0345 matches no class and disappears.
    QCOMPARE(tok_->trace("it'\u017f").chunks, (std::vector<std::string>{"it", "'\u017f"}));
    QCOMPARE(tok_->trace("a\u0345b !\u03b9").chunks,
             (std::vector<std::string>{"a", "b", "!", "\u03b9"}));
  }

  void decode_round_trip() {
    QCOMPARE(tok_->decode(tok_->encode("a photo of a cat")), std::string("a photo of a cat "));
    QVERIFY_THROWS_EXCEPTION(pb::Error, tok_->decode({ClipTokenizer::kVocabSize}));
  }

  void padding_edges() {
    const auto e = tok_->padded_tokens_and_mask({});
    QCOMPARE(e.tokens[0], ClipTokenizer::kStartToken);
    QCOMPARE(e.tokens[1], ClipTokenizer::kEndToken);
    QCOMPARE(e.tokens[2], int64_t(0));
    QCOMPARE(int(std::count(e.mask.begin(), e.mask.end(), true)), 2);
    const auto s = tok_->padded_tokens_and_mask({5, 6, 7}, 3);
    QCOMPARE(s.tokens,
             (std::vector<int64_t>{ClipTokenizer::kStartToken, 5, ClipTokenizer::kEndToken}));
    QCOMPARE(s.mask, (std::vector<bool>{true, true, true}));
    QVERIFY_THROWS_EXCEPTION(pb::Error, tok_->padded_tokens_and_mask({}, 1));
  }

  void rejects_invalid_utf8() {
    try {
      tok_->encode("\xc3(");
      QFAIL("invalid UTF-8 accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::invalid_argument);
    }
  }

  void missing_and_corrupt_files_are_named() {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "pb_text_corrupt_clip";
    fs::remove_all(dir);
    fs::create_directories(dir);
    try {
      ClipTokenizer::load(dir.string());
      QFAIL("loaded from an empty folder");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::file_not_found);
      QVERIFY2(QString(e.what()).contains("bpe_simple_vocab_16e6.txt.gz"), e.what());
    }
    // A valid gzip file with too few merges.
    std::ofstream(dir / ClipTokenizer::kMergesFile, std::ios::binary)
        << gzip_stored("\"bpe_simple_vocab_16e6.txt#version: 0.2\ni n\nt h\n");
    try {
      ClipTokenizer::load(dir.string());
      QFAIL("short merges file accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::bad_file);
      QVERIFY2(QString(e.what()).contains("bpe_simple_vocab_16e6.txt.gz"), e.what());
      QVERIFY2(QString(e.what()).contains("merge"), e.what());
    }
    fs::remove_all(dir);
  }
};

QTEST_GUILESS_MAIN(TestTextClip)
#include "tst_text_clip.moc"
