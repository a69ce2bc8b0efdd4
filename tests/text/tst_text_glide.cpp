// GLIDE tokenizer against glide/tokenizer_cases.json (every case: lower-casing, chunks, BPE
// pieces, ids, decoding, padded tokens and mask) and its error handling.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "engine/core/error.h"
#include "engine/text/glide_tokenizer.h"
#include "tests/common/fixtures.h"
#include "tests/common/tokenizer_cases.h"

using pb::text::GlideTokenizer;
using pbtest::bools;
using pbtest::gzip_stored;
using pbtest::ints;
using pbtest::strings;

namespace {

QByteArray from_hex(const QString& hex) { return QByteArray::fromHex(hex.toLatin1()); }

}  // namespace

class TestTextGlide : public QObject {
  Q_OBJECT

  std::optional<GlideTokenizer> tok_;
  QJsonObject cases_;

 private slots:
  void initTestCase() {
    PB_REQUIRE_FIXTURE(dir, "tokenizer/encoder.json.gz");
    PB_REQUIRE_FIXTURE(cases, "glide/tokenizer_cases.json");
    tok_ = GlideTokenizer::load(pbtest::fixture_std("tokenizer"));
    QFile f(cases);
    QVERIFY(f.open(QIODevice::ReadOnly));
    cases_ = QJsonDocument::fromJson(f.readAll()).object();
    QVERIFY(!cases_.isEmpty());
  }

  void vocabulary() {
    QCOMPARE(tok_->vocab_size(), int64_t(cases_["n_vocab"].toInt()));
    QCOMPARE(GlideTokenizer::kEndToken, int64_t(cases_["end_token"].toInt()));
    QCOMPARE(GlideTokenizer::kContext, cases_["text_ctx"].toInt());
  }

  void cases_data() {
    QTest::addColumn<QJsonObject>("c");
    const QJsonArray all = cases_["cases"].toArray();
    QVERIFY(all.size() >= 33);
    for (const auto& c : all)
      QTest::newRow(qPrintable(c.toObject()["name"].toString())) << c.toObject();
  }

  void cases() {
    QFETCH(QJsonObject, c);
    const QByteArray prompt = from_hex(c["prompt_utf8_hex"].toString());
    QCOMPARE(QString::fromUtf8(prompt), c["prompt"].toString());
    const GlideTokenizer::Trace t = tok_->trace(prompt.toStdString());
    QCOMPARE(QByteArray::fromStdString(t.lowercased).toHex(),
             c["lowercased_utf8_hex"].toString().toLatin1());
    QCOMPARE(t.chunks, strings(c["pretokenized_chunks"].toArray()));
    QCOMPARE(t.pieces, strings(c["bpe_pieces"].toArray()));
    QCOMPARE(t.ids, ints(c["ids"].toArray()));
    QCOMPARE(tok_->encode(prompt.toStdString()), t.ids);
    QCOMPARE(QString::fromStdString(tok_->decode(t.ids)), c["decoded"].toString());

    const auto padded = tok_->padded_tokens_and_mask(t.ids);
    QCOMPARE(padded.tokens, ints(c["padded_tokens"].toArray()));
    QCOMPARE(padded.mask, bools(c["mask"].toArray()));
    QCOMPARE(int(std::count(padded.mask.begin(), padded.mask.end(), true)),
             c["n_mask_true"].toInt());
  }

  void padding_other_context() {
    const auto p = tok_->padded_tokens_and_mask({1, 2, 3}, 2);
    QCOMPARE(p.tokens, (std::vector<int64_t>{1, 2}));
    QCOMPARE(p.mask, (std::vector<bool>{true, true}));
    const auto e = tok_->padded_tokens_and_mask({}, 16);
    QCOMPARE(e.tokens, std::vector<int64_t>(16, GlideTokenizer::kEndToken));
    QCOMPARE(e.mask, std::vector<bool>(16, false));
    try {
      tok_->padded_tokens_and_mask({1}, 0);
      QFAIL("context 0 accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::invalid_argument);
    }
  }

  void white_space_is_unicode_white_space() {
    // \s is White_Space: VT and NEL are spaces, U+001C (a Python isspace() char) is not.
    QCOMPARE(tok_->trace("a\x0b\x0b"
                         "b")
                 .chunks,
             (std::vector<std::string>{"a", "\x0b", "\x0b", "b"}));
    QCOMPARE(tok_->trace("a  \x0b b").chunks, (std::vector<std::string>{"a", "  \x0b", " b"}));
    QCOMPARE(tok_->trace("a\xc2\x85"
                         "b")
                 .chunks,
             (std::vector<std::string>{"a", "\xc2\x85", "b"}));
    QCOMPARE(tok_->trace("a\x1c"
                         "b")
                 .chunks,
             (std::vector<std::string>{"a", "\x1c", "b"}));
  }

  void rejects_invalid_utf8() {
    try {
      tok_->encode("bad \xff byte");
      QFAIL("invalid UTF-8 accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::invalid_argument);
      QVERIFY(QString(e.what()).contains("UTF-8"));
    }
  }

  void decode_rejects_unknown_ids() {
    QVERIFY_THROWS_EXCEPTION(pb::Error, tok_->decode({50257}));
    QVERIFY_THROWS_EXCEPTION(pb::Error, tok_->decode({-1}));
  }

  void copies_share_state_and_threads_agree() {
    const GlideTokenizer copy = *tok_;
    const std::string prompt = "an oil painting of a corgi wearing a party hat";
    const auto expected = tok_->encode(prompt);
    std::vector<std::vector<int64_t>> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results)
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) r = copy.encode(prompt + " " + std::to_string(i % 7));
      });
    for (auto& t : threads) t.join();
    for (const auto& r : results) QCOMPARE(r, copy.encode(prompt + " " + std::to_string(199 % 7)));
    QCOMPARE(copy.encode(prompt), expected);
  }

  void missing_files_are_named() {
    const QString empty = QDir::temp().filePath("pb_text_empty_vocab");
    QDir().mkpath(empty);
    try {
      GlideTokenizer::load(empty.toStdString());
      QFAIL("loaded from an empty folder");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::file_not_found);
      QVERIFY2(QString(e.what()).contains("encoder.json.gz"), e.what());
      QVERIFY2(QString(e.what()).contains(empty), e.what());
    }
  }

  void corrupt_files_are_named() {
    namespace fs = std::filesystem;
    const fs::path src = pbtest::fixture_std("tokenizer");
    const fs::path dir = fs::temp_directory_path() / "pb_text_corrupt_glide";
    fs::create_directories(dir);
    fs::copy_file(src / "encoder.json.gz", dir / "encoder.json.gz",
                  fs::copy_options::overwrite_existing);
    // Truncated gzip.
    {
      std::ifstream in(src / "vocab.bpe.gz", std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::ofstream(dir / "vocab.bpe.gz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    try {
      GlideTokenizer::load(dir.string());
      QFAIL("truncated vocab.bpe.gz accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::bad_file);
      QVERIFY2(QString(e.what()).contains("vocab.bpe.gz"), e.what());
    }
    // Not gzip at all.
    std::ofstream(dir / "vocab.bpe.gz", std::ios::binary) << "#version: 0.2\nh e\n";
    try {
      GlideTokenizer::load(dir.string());
      QFAIL("plain-text vocab.bpe.gz accepted");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::bad_file);
      QVERIFY2(QString(e.what()).contains("gzip"), e.what());
    }
    // Broken or mismatched encoder.json.gz, with the real merges.
    fs::copy_file(src / "vocab.bpe.gz", dir / "vocab.bpe.gz", fs::copy_options::overwrite_existing);
    const std::pair<std::string, std::string> encoders[] = {
        {"{\"a\": 1,", "not valid JSON"},
        {"[1, 2]", "expected a JSON object"},
        {"{\"a\": \"x\"}", "is not a valid integer"},
        {"{\"a\": 0, \"b\": 1}", "no id for the BPE symbol"},
    };
    for (const auto& [json, message] : encoders) {
      std::ofstream(dir / "encoder.json.gz", std::ios::binary) << gzip_stored(json);
      try {
        GlideTokenizer::load(dir.string());
        QFAIL(qPrintable(QString::fromStdString("accepted encoder " + json)));
      } catch (const pb::Error& e) {
        QCOMPARE(e.code(), pb::ErrorCode::bad_file);
        QVERIFY2(QString(e.what()).contains("encoder.json.gz"), e.what());
        QVERIFY2(QString(e.what()).contains(QString::fromStdString(message)), e.what());
      }
    }
    fs::remove_all(dir);
  }
};

QTEST_GUILESS_MAIN(TestTextGlide)
#include "tst_text_glide.moc"
