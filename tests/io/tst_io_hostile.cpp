// Hostile files: each one of the attacks found by trying small hand-made files against
// the readers (recursion, shared references walked as trees, memory amplification,
// quadratic headers, escapes in names, overlapping entries) is refused with a message
// naming the file, or read in bounded time and memory.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch headers.
#include <torch/types.h>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/printable.h"
#include "engine/io/checkpoint.h"
#include "engine/io/checkpoint_writer.h"
#include "engine/io/inspect.h"
#include "engine/io/safetensors_writer.h"
#include "engine/io/tensor_listing.h"
#include "tests/io/zip_builder.h"

#include <QTemporaryDir>
#include <QtTest>

namespace {

using pbtest::ZipBuilder;

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The error message of loading `path` ("" when it loads); the message must name the file.
QString load_error(const std::string& path) {
  try {
    pb::io::load_checkpoint(path);
    return {};
  } catch (const pb::Error& e) {
    const QString msg = QString::fromStdString(e.what());
    if (!msg.contains(QString::fromStdString(path))) return "<no path> " + msg;
    return msg;
  }
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// A torch.save zip of the pickle `p` (and its storages), data.pkl optionally deflated.
std::string torch_zip_bytes(pb::io::TorchPickler& p, bool deflate = false) {
  ZipBuilder zip;
  zip.add("archive/data.pkl", p.finish(), deflate);
  for (const auto& s : p.storages()) {
    const torch::Tensor& t = s.storage;
    zip.add("archive/data/" + s.key,
            std::string(static_cast<const char*>(t.data_ptr()), t.nbytes()));
  }
  zip.add("archive/version", "3\n");
  return zip.bytes();
}

// A pickle opcode with a one-byte argument (memo index).
std::string op(const char* code, int arg) {
  std::string s = code;
  s.push_back(static_cast<char>(arg));
  return s;
}

std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  return out + header + data;
}

}  // namespace

class TestIoHostile : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

  void expect_error(const char* file, const std::string& bytes, const char* needle) {
    write_all(path(file), bytes);
    const QString msg = load_error(path(file));
    QVERIFY2(msg.contains(needle), qPrintable(QString(file) + ": " + msg));
    // The same limits hold for the metadata-only listing that verifies downloads.
    QString listed;
    try {
      pb::io::list_tensors(path(file));
    } catch (const pb::Error& e) {
      listed = QString::fromStdString(e.what());
    }
    QCOMPARE(listed, msg);
  }

 private slots:
  void self_containing_list_refused() {
    pb::io::TorchPickler p;
    p.raw(op("]q", 0) + op("h", 0) + "a");  // l = []; l.append(l)
    expect_error("self.pt", torch_zip_bytes(p), "contains itself");
  }

  void nesting_through_dict_keys_refused() {
    pb::io::TorchPickler p;
    std::string ops(100000, '}');
    for (int i = 0; i < 99999; ++i) ops += "Ns";  // d[i-1][d[i]] = None
    p.raw(ops);
    expect_error("keys.pt", torch_zip_bytes(p), "nested too deeply");
  }

  void chain_linked_through_memo_refused() {
    // 100000 empty lists in the memo, then l[i].append(l[i+1]) in order: each append
    // saw a flat child, so the chain's depth was never counted.
    pb::io::TorchPickler p;
    std::string ops;
    auto put = [](std::string& s, char op, std::uint32_t i) {
      s += op;
      for (int b = 0; b < 4; ++b) s.push_back(static_cast<char>((i >> (8 * b)) & 0xFF));
    };
    for (std::uint32_t i = 0; i < 100000; ++i) {
      ops += "]";
      put(ops, 'r', i);
      ops += "0";
    }
    for (std::uint32_t i = 0; i + 1 < 100000; ++i) {
      put(ops, 'j', i);
      put(ops, 'j', i + 1);
      ops += "a0";
    }
    put(ops, 'j', 0);
    p.raw(ops);
    expect_error("chain.pt", torch_zip_bytes(p), "already inside another");
  }

  void shared_tuples_read_in_linear_time() {
    // t = (t, t) a hundred times: 2^100 paths, 200 objects.
    pb::io::TorchPickler scalars;
    scalars.empty_dict().string("a").integer(1);
    std::string dag;
    for (int i = 0; i < 100; ++i) dag += "2\x86";
    scalars.raw(dag + "s");
    write_all(path("dag.pt"), torch_zip_bytes(scalars));
    const pb::io::Checkpoint ck = pb::io::load_checkpoint(path("dag.pt"));
    // Rendered and cut short: 1024 characters, and "...)" for each of the 100 open levels.
    QVERIFY2(ck.metadata.at("a").size() <= 1024 + 100 * 4, ck.metadata.at("a").c_str());
    QVERIFY(ck.metadata.at("a").find("...") != std::string::npos);

    pb::io::TorchPickler tensors;
    tensors.empty_dict().string("a").tensor(torch::ones({2}));
    tensors.raw(dag + "s");
    write_all(path("dag_t.pt"), torch_zip_bytes(tensors));
    const pb::io::Checkpoint ct = pb::io::load_checkpoint(path("dag_t.pt"));
    // Each tuple is walked once, along its first path: the innermost names the tensor in
    // both of its slots (as tied weights are), and no other path is followed.
    QCOMPARE(ct.tensors.size(), std::size_t(2));
    std::string first = "a";
    for (int i = 0; i < 100; ++i) first += ".0";
    QCOMPARE(ct.tensors[0].first, first);
    QCOMPARE(ct.tensors[1].first, first.substr(0, first.size() - 1) + "1");
    QCOMPARE(ct.tensors[0].second.sum().item<float>(), 2.0f);
  }

  void torchscript_shared_modules_bounded() {
    // m[i] has attributes a = b = m[i-1]: 2^60 paths through 61 modules.
    std::string ops =
        "\x80\x02"
        "c__torch__\nM\n)\x81}b";
    ops += op("q", 0);
    for (int i = 1; i <= 60; ++i) {
      ops += "c__torch__\nM\n)\x81}(X";
      ops += std::string("\x01\0\0\0a", 5) + op("h", i - 1);
      ops += "X";
      ops += std::string("\x01\0\0\0b", 5) + op("h", i - 1);
      ops += "ub";
      ops += op("q", i);
    }
    ops += ".";
    ZipBuilder zip;
    zip.add("archive/data.pkl", ops).add("archive/constants.pkl", "\x80\x02).");
    expect_error("dag_ts.pt", zip.bytes(), "module tree has more than");
  }

  void deflated_pickle_cannot_exhaust_memory() {
    // 20 MB of None opcodes deflate to ~20 KB; as objects they were 6 GB.
    const double before = peak_rss_mib();
    pb::io::TorchPickler p;
    p.raw(std::string(20'000'000, 'N'));
    const std::string bytes = torch_zip_bytes(p, true);
    QVERIFY(bytes.size() < 100'000);
    expect_error("bomb.pt", bytes, "MiB (the limit");
    qInfo("peak RSS grew by %.0f MiB", peak_rss_mib() - before);
    QVERIFY(peak_rss_mib() - before < 768);
    // A deflated pickle larger than the limit is refused before inflating.
    pb::io::TorchPickler big;
    big.raw(std::string(70u << 20, 'N'));
    expect_error("big.pt", torch_zip_bytes(big, true), "more than the 67108864");
  }

  void legacy_pickles_share_one_object_budget() {
    // A legacy file is four pickles: each one under the limit, together above it.
    const std::string magic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e", 15);
    const std::string bloat(600000, 'N');  // ~180 MiB of objects on the stack
    std::string bytes = magic + std::string("\x80\x02M\xe9\x03.", 6);
    bytes += "\x80\x02" + bloat + "}.";
    bytes += "\x80\x02" + bloat + "].";
    bytes += "\x80\x02].";
    expect_error("legacy_bloat.pt", bytes, "MiB (the limit");
  }

  void stride_zero_view_is_not_materialised() {
    // One stored float viewed as 2^30 elements with stride 0.
    pb::io::TorchPickler p;
    p.global("torch._utils", "_rebuild_tensor_v2").mark();
    p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu");
    p.integer(1).tuple().raw("Q").integer(0);
    p.mark().integer(std::int64_t{1} << 30).tuple().mark().integer(0).tuple();
    p.boolean(false).none().tuple().reduce();
    ZipBuilder zip;
    zip.add("archive/data.pkl", p.finish()).add("archive/data/0", std::string(4, '\0'));
    write_all(path("stride0.pt"), zip.bytes());
    const double before = peak_rss_mib();
    const pb::io::CheckpointSummary s =
        pb::io::summarize(pb::io::load_checkpoint(path("stride0.pt")));
    QCOMPARE(s.tensors.size(), std::size_t(1));
    QVERIFY(s.tensors[0].overlapping);
    QVERIFY(std::isnan(s.tensors[0].sum));
    QVERIFY(QString::fromStdString(pb::io::format_text(s)).contains("n/a (overlapping view)"));
    QVERIFY(nlohmann::json::parse(pb::io::format_json(s))["tensors"][0]["overlapping"] == true);
    QVERIFY(peak_rss_mib() - before < 256);
  }

  void long_key_reused_at_every_level() {
    // {K: {K: ... {K: leaf}}} with one 1 MB key K, 200 levels: 200 MB names.
    auto build = [](bool tensor) {
      pb::io::TorchPickler p;
      p.empty_dict().string(std::string(1 << 20, 'K')).raw(op("q", 0));
      std::string ops;
      for (int i = 0; i < 199; ++i) ops += op("}h", 0);
      p.raw(ops);
      if (tensor)
        p.tensor(torch::ones({1}));
      else
        p.none();
      p.raw(std::string(200, 's'));
      return torch_zip_bytes(p);
    };
    expect_error("longkey.pt", build(true), "longer than 1024 bytes");
    write_all(path("longkey_meta.pt"), build(false));
    const pb::io::Checkpoint ck = pb::io::load_checkpoint(path("longkey_meta.pt"));
    QVERIFY(ck.metadata.empty());  // too long to show: left out
  }

  void overlapping_and_duplicate_zip_entries_refused() {
    pb::io::TorchPickler p;
    p.state_dict({{"w", torch::ones({4})}});
    const std::string pkl = p.finish();
    const torch::Tensor& s = p.storages().at(0).storage;
    const std::string data(static_cast<const char*>(s.data_ptr()), s.nbytes());
    ZipBuilder overlap;
    overlap.add("archive/data.pkl", pkl).add("archive/data/0", data).alias("archive/data/1", 1);
    expect_error("overlap.pt", overlap.bytes(), "overlap");
    ZipBuilder twice;
    twice.add("archive/data.pkl", pkl).add("archive/data/0", data).add("archive/data.pkl", pkl);
    expect_error("twice.pt", twice.bytes(), "appears twice");
  }

  void hostile_safetensors_headers() {
    const std::string f32 = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":";
    expect_error("overlap.safetensors",
                 safetensors_bytes("{\"a\":{" + f32 + "[0,8]},\"b\":{" + f32 + "[4,12]}}",
                                   std::string(12, '\0')),
                 "overlap");
    expect_error("dup.safetensors",
                 safetensors_bytes("{\"a\":{" + f32 + "[0,8]},\"a\":{" + f32 + "[8,16]}}",
                                   std::string(16, '\0')),
                 "appears twice");
    expect_error("meta_number.safetensors", safetensors_bytes("{\"__metadata__\":{\"x\":1}}", ""),
                 "not a string");
    // A metadata value nested a million levels: refused without recursion.
    expect_error("meta_deep.safetensors",
                 safetensors_bytes("{\"__metadata__\":{\"x\":" + std::string(1000000, '[') +
                                       std::string(1000000, ']') + "}}",
                                   ""),
                 "unexpected list");
    // 10^5 tensors and 10^5 metadata keys: linear to read and to report.
    std::string header = "{\"__metadata__\":{";
    for (int i = 0; i < 100000; ++i)
      header += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
    header += "}";
    for (int i = 0; i < 100000; ++i)
      header += ",\"t" + std::to_string(i) +
                "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
    header += "}";
    write_all(path("many.safetensors"), safetensors_bytes(header, ""));
    const pb::io::CheckpointSummary s =
        pb::io::summarize(pb::io::load_checkpoint(path("many.safetensors")));
    QCOMPARE(s.tensors.size(), std::size_t(100000));
    QCOMPARE(s.metadata.size(), std::size_t(100000));
    const auto j = nlohmann::json::parse(pb::io::format_json(s));
    QCOMPARE(j["tensor_count"].get<int>(), 100000);
    QCOMPARE(j["metadata"].size(), std::size_t(100000));
  }

  void legacy_view_bounds_do_not_overflow() {
    // A legacy storage view (key, offset, size) whose offset + size overflows int64.
    pb::io::TorchPickler p(true);
    p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu");
    p.integer(10).mark().string("v");
    p.raw("\x8a\x08" + std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8));
    p.integer(10).tuple().tuple().raw("Q");
    pb::io::write_torch_legacy(path("legacy_view.pt"), p);
    const QString msg = load_error(path("legacy_view.pt"));
    QVERIFY2(msg.contains("malformed storage view"), qPrintable(msg));
  }

  void inspect_escapes_control_characters() {
    const std::string evil = "w\x1b]0;pwned\x07\x1b[2J\xe2\x80\xae\xc2\x9b";
    pb::io::save_safetensors(path("evil.safetensors"), {{evil, torch::ones({1})}},
                             {{"note\x1b[31m", "red\x1b[0m"}});
    const std::string text =
        pb::io::format_text(pb::io::summarize(pb::io::load_checkpoint(path("evil.safetensors"))));
    for (char c : text) QVERIFY2(c == '\n' || static_cast<unsigned char>(c) >= 0x20, text.c_str());
    QVERIFY(text.find("\xe2\x80\xae") == std::string::npos);  // RIGHT-TO-LEFT OVERRIDE
    QVERIFY(text.find("\xc2\x9b") == std::string::npos);      // CSI as a C1 character
    QVERIFY2(text.find("w\\x1b]0;pwned\\x07\\x1b[2J\\u{202e}\\u{009b}") != std::string::npos,
             text.c_str());
    QVERIFY2(text.find("meta:       safetensors.note\\x1b[31m = red\\x1b[0m") != std::string::npos,
             text.c_str());
    QCOMPARE(pb::printable("a\\b\nc"), std::string("a\\\\b\\x0ac"));
    QCOMPARE(pb::printable("line 1\nline 2", true), std::string("line 1\nline 2"));
    QCOMPARE(pb::printable("caf\xc3\xa9"), std::string("caf\xc3\xa9"));
    QCOMPARE(pb::printable("\xff\xc3"), std::string("\\xff\\xc3"));  // invalid UTF-8

    // One long name does not pad every row to its length.
    pb::io::TensorList many = {{std::string(100000, 'n'), torch::ones({1})}};
    for (int i = 0; i < 1000; ++i) {
      std::string name = "t";
      name += std::to_string(i);
      many.push_back({name, torch::ones({1})});
    }
    pb::io::save_safetensors(path("wide.safetensors"), many);
    const std::string wide =
        pb::io::format_text(pb::io::summarize(pb::io::load_checkpoint(path("wide.safetensors"))));
    QVERIFY2(wide.size() < 100000 + 1000 * 120, qPrintable(QString::number(wide.size())));
  }

  void torchscript_code_inflation_bounded() {
    // Five deflated code/ files of 16 MiB each (16 KB in the file): 80 MiB to inflate.
    ZipBuilder zip;
    zip.add("archive/data.pkl",
            "\x80\x02"
            "c__torch__\nM\n)\x81}b.")
        .add("archive/constants.pkl", "\x80\x02).");
    for (int i = 0; i < 5; ++i)
      zip.add("archive/code/__torch__/m" + std::to_string(i) + ".py", std::string(16u << 20, ' '),
              true);
    const std::string bytes = zip.bytes();
    QVERIFY(bytes.size() < 1'000'000);
    expect_error("code_bomb.pt", bytes, "this reader accepts");
  }

  void file_truncated_after_loading_is_harmless() {
    // Tensors never point into the file: a model kept loaded survives a new download
    // over its file (before, touching a page past the new end was SIGBUS).
    const torch::Tensor w = torch::arange(1 << 18, torch::kFloat);
    pb::io::save_safetensors(path("t.safetensors"), {{"w", w}});
    pb::io::save_torch_zip(path("t.pt"), {{"w", w}});
    for (const char* name : {"t.safetensors", "t.pt"}) {
      const pb::io::Checkpoint ck = pb::io::load_checkpoint(path(name));
      std::filesystem::resize_file(path(name), 0);
      QVERIFY(torch::equal(ck.tensors.at(0).second, w));
      ck.tensors.at(0).second.mul_(2);  // writable memory of its own
      QCOMPARE(ck.tensors.at(0).second[3].item<float>(), 6.0f);
    }
  }
};

QTEST_GUILESS_MAIN(TestIoHostile)
#include "tst_io_hostile.moc"
