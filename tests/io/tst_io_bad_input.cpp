// Bad input gives a clear pb::Error naming the file and the problem: never a crash,
// never code execution. Truncations at many offsets, random bytes, flipped bytes,
// wrong magic, lying safetensors headers, compressed entries, hostile pickles.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch headers.
#include <torch/types.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/checkpoint_writer.h"
#include "engine/io/safetensors_writer.h"
#include "engine/io/tensor_listing.h"

#include <QTemporaryDir>
#include <QtTest>

namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Loads `bytes` from `path`: must either succeed or throw pb::Error naming the file.
// Returns the error message ("" on success). The metadata-only listing (model
// verification) must come to the same verdict with the same message.
std::string try_load(const std::string& path, const std::string& bytes) {
  write_all(path, bytes);
  auto error_of = [&](auto&& read) -> std::string {
    try {
      read();
      return "";
    } catch (const pb::Error& e) {
      const std::string msg = e.what();
      if (msg.find(path) == std::string::npos) {
        qWarning() << "error without the file name:" << msg.c_str();
        return "<no path>";
      }
      return msg;
    }
  };
  const std::string loaded = error_of([&] { pb::io::load_checkpoint(path); });
  const std::string listed = error_of([&] { pb::io::list_tensors(path); });
  if (loaded != listed) {
    qWarning() << "load_checkpoint:" << loaded.c_str() << "list_tensors:" << listed.c_str();
    return "<listing differs>";
  }
  return loaded;
}

pb::io::TensorList small_weights() {
  torch::manual_seed(3);
  return {{"a.weight", torch::randn({8, 4})},
          {"a.bias", torch::randn({8}).to(torch::kHalf)},
          {"b", torch::arange(5, torch::kLong)}};
}

}  // namespace

class TestIoBadInput : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

  // A pickle calling `module.name('touch <marker>')`, as data.pkl of a torch zip.
  void expect_refused(const std::string& module, const std::string& name, const char* needle) {
    const std::string marker = path("pwned");
    pb::io::TorchPickler p;
    p.global(module, name).mark().string("touch " + marker).tuple().reduce();
    pb::io::write_torch_zip(path("evil.pt"), p, "evil");
    try {
      pb::io::load_checkpoint(path("evil.pt"));
      QFAIL("a hostile global was accepted");
    } catch (const pb::Error& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains(QString::fromStdString(path("evil.pt"))), qPrintable(msg));
      QVERIFY2(msg.contains(needle), qPrintable(msg));
      QVERIFY2(msg.contains("refusing global"), qPrintable(msg));
    }
    QVERIFY(!QFile::exists(QString::fromStdString(marker)));
  }

 private slots:
  void missing_and_empty_files() {
    try {
      pb::io::load_checkpoint(path("nope.pt"));
      QFAIL("expected an error");
    } catch (const pb::Error& e) {
      QCOMPARE(e.code(), pb::ErrorCode::file_not_found);
      QVERIFY(QString(e.what()).contains("nope.pt"));
    }
    QVERIFY(QString::fromStdString(try_load(path("empty.pt"), "")).contains("empty file"));
  }

  void wrong_magic_and_random_bytes() {
    QVERIFY(QString::fromStdString(try_load(path("text.pt"), "hello, this is not a model\n"))
                .contains("unknown format"));
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {
      std::string bytes(1 + rng() % 4096, '\0');
      for (auto& c : bytes) c = static_cast<char>(rng());
      // Random bytes behind each container's magic, to reach the parsers.
      if (i % 4 == 1) bytes.replace(0, 4, "PK\x03\x04", 4);
      if (i % 4 == 2) bytes.replace(0, 2, "\x80\x02", 2);
      if (i % 4 == 3 && bytes.size() > 9)
        bytes.replace(0, 9, std::string("\x10\0\0\0\0\0\0\0{", 9));
      QVERIFY(try_load(path("random.pt"), bytes).find('<') != 0);
    }
  }

  void truncated_at_many_offsets() {
    pb::io::save_torch_zip(path("ok.pt"), small_weights());
    pb::io::save_torch_legacy(path("ok.legacy.pt"), small_weights());
    pb::io::save_safetensors(path("ok.safetensors"), small_weights());
    for (const char* name : {"ok.pt", "ok.legacy.pt", "ok.safetensors"}) {
      const std::string full = read_all(path(name));
      QVERIFY(try_load(path("whole.pt"), full).empty());
      for (std::size_t cut = 0; cut < full.size(); cut += 1 + cut / 8) {
        const std::string msg = try_load(path("cut.pt"), full.substr(0, cut));
        QVERIFY2(!msg.empty() && msg[0] != '<',
                 qPrintable(QString("%1 cut at %2 loaded or lacked the path").arg(name).arg(cut)));
      }
    }
  }

  void flipped_bytes_never_crash() {
    pb::io::save_torch_zip(path("f.pt"), small_weights());
    pb::io::save_torch_legacy(path("f.legacy.pt"), small_weights());
    std::mt19937 rng(11);
    for (const char* name : {"f.pt", "f.legacy.pt"}) {
      const std::string full = read_all(path(name));
      for (int i = 0; i < 300; ++i) {
        std::string bytes = full;
        for (int k = 0; k < 1 + i % 4; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        QVERIFY(try_load(path("flip.pt"), bytes).find('<') != 0);
      }
    }
  }

  void safetensors_header_lies() {
    pb::io::save_safetensors(path("s.safetensors"), small_weights());
    const std::string full = read_all(path("s.safetensors"));
    std::string huge = full;
    huge[5] = 1;  // header length around 2^40
    // (byte 5 set: not recognised as safetensors, so it is an unknown format)
    QVERIFY(!try_load(path("huge.safetensors"), huge).empty());
    std::string more = full;
    std::uint64_t n = 0;
    std::memcpy(&n, more.data(), 8);
    n += 1 << 20;  // claims a MiB more than the file holds
    std::memcpy(more.data(), &n, 8);
    QVERIFY(
        QString::fromStdString(try_load(path("more.safetensors"), more)).contains("header claims"));
    std::string big = full;
    n = 200ull << 20;
    std::memcpy(big.data(), &n, 8);
    QVERIFY(QString::fromStdString(try_load(path("big.safetensors"), big))
                .contains("implausibly large"));
    // An entry whose data_offsets run past the data.
    std::string past = full;
    const std::size_t at = past.find("\"data_offsets\":[0,");
    QVERIFY(at != std::string::npos);
    past.replace(at, 18, "\"data_offsets\":[9,");
    QVERIFY(!try_load(path("past.safetensors"), past).empty());
  }

  void compressed_entry_explained() {
    pb::io::save_torch_zip(path("c.pt"), small_weights());
    std::string bytes = read_all(path("c.pt"));
    // Mark the first storage entry (the second one) as deflated in the central directory.
    std::size_t cd = bytes.find("PK\x01\x02");
    cd = bytes.find("PK\x01\x02", cd + 4);
    QVERIFY(cd != std::string::npos);
    bytes[cd + 10] = 8;
    const QString msg = QString::fromStdString(try_load(path("c2.pt"), bytes));
    QVERIFY2(msg.contains("compressed") || msg.contains("corrupt compressed"), qPrintable(msg));
  }

  void hostile_globals_refused() {
    expect_refused("os", "system", "os.system");
    expect_refused("posix", "system", "posix.system");
    expect_refused("subprocess", "check_call", "subprocess.check_call");
    expect_refused("builtins", "eval", "builtins.eval");
    expect_refused("torch.storage", "_load_from_bytes", "_load_from_bytes");
    // The same through STACK_GLOBAL (protocol 4) in a legacy file.
    pb::io::TorchPickler p(/*legacy=*/true);
    p.string("os").string("system").raw("\x93").mark().string("echo hi").tuple().reduce();
    pb::io::write_torch_legacy(path("evil.legacy.pt"), p);
    QVERIFY_THROWS_EXCEPTION(pb::Error, pb::io::load_checkpoint(path("evil.legacy.pt")));
  }

  void unsupported_pickle_opcode_and_deep_nesting() {
    pb::io::TorchPickler ext;
    ext.raw("\x82\x01");  // EXT1: the extension registry is code territory
    pb::io::write_torch_zip(path("ext.pt"), ext, "ext");
    QVERIFY_THROWS_EXCEPTION(pb::Error, pb::io::load_checkpoint(path("ext.pt")));
    // 100000 nested lists must be refused, not overflow the stack.
    pb::io::TorchPickler deep;
    for (int i = 0; i < 100000; ++i) deep.empty_list();
    for (int i = 0; i < 99999; ++i) deep.raw("a");
    pb::io::write_torch_zip(path("deep.pt"), deep, "deep");
    try {
      pb::io::load_checkpoint(path("deep.pt"));
      QFAIL("expected an error");
    } catch (const pb::Error& e) {
      QVERIFY2(QString(e.what()).contains("nested too deeply"), e.what());
    }
  }

  void view_outside_its_storage() {
    // (real tensor, crafted tensor claiming 100 elements of the same 10-element storage)
    pb::io::TorchPickler p;
    p.mark().tensor(torch::zeros({10}));
    p.global("torch._utils", "_rebuild_tensor_v2").mark();
    p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu");
    p.integer(10).tuple().raw("Q").integer(0).mark().integer(100).tuple().mark().integer(1).tuple();
    p.boolean(false).none().tuple().reduce().tuple();
    pb::io::write_torch_zip(path("oob.pt"), p, "oob");
    const QString msg = QString::fromStdString(try_load(path("oob2.pt"), read_all(path("oob.pt"))));
    QVERIFY2(msg.contains("reaches beyond the 10 elements of storage '0'"), qPrintable(msg));
  }
};

QTEST_GUILESS_MAIN(TestIoBadInput)
#include "tst_io_bad_input.moc"
