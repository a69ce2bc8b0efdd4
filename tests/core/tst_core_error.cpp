// The error type at the engine API boundary: every exception becomes an EngineError
// with a code a program can branch on and a one-line message.
#include <QtTest>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>

#include "engine/core/command_registry.h"
#include "engine/core/error.h"

class TestCoreError : public QObject {
  Q_OBJECT
 private slots:
  void guardedPassesValues() {
    auto r = pb::guarded([] { return 42; });
    QVERIFY(r.ok());
    QCOMPARE(*r, 42);
  }

  void guardedKeepsEngineErrorCodes() {
    auto r = pb::guarded([]() -> int {
      throw pb::Error(pb::ErrorCode::missing_weights, "base_inpaint.pt not found in /m");
    });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, pb::ErrorCode::missing_weights);
    QCOMPARE(QString::fromStdString(r.error().message), QString("base_inpaint.pt not found in /m"));
  }

  void foreignExceptionsBecomeOneLine() {
    auto r = pb::guarded([]() -> int { throw std::runtime_error("first line\n  backtrace..."); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, pb::ErrorCode::internal);
    QCOMPARE(QString::fromStdString(r.error().message), QString("first line"));
  }

  void badAllocIsOutOfMemory() {
    auto r = pb::guarded([]() -> int { throw std::bad_alloc(); });
    QCOMPARE(r.error().code, pb::ErrorCode::out_of_memory);
  }

  void everyCodeHasAName() {
    for (int c = 0; c <= int(pb::ErrorCode::internal); ++c)
      QVERIFY(std::string(pb::to_string(pb::ErrorCode(c))) != "unknown error");
  }

  void registryFindsCommands() {
    pb::CommandRegistrar reg("test-verb", "a test",
                             [](const std::vector<std::string>& a) { return int(a.size()); });
    auto& r = pb::command_registry();
    QVERIFY(r.count("test-verb"));
    QCOMPARE(r["test-verb"].run({"x", "y"}), 2);
  }

  void commandLineDispatches() {
    pb::CommandRegistrar ok("ok-verb", "returns its argument count",
                            [](const std::vector<std::string>& a) { return int(a.size()); });
    pb::CommandRegistrar bad("throwing-verb", "throws", [](const std::vector<std::string>&) -> int {
      throw std::runtime_error("broken input\nbacktrace");
    });
    char prog[] = "tool", verb[] = "ok-verb", arg[] = "a", unknown[] = "nope",
         thrower[] = "throwing-verb";
    char* run_ok[] = {prog, verb, arg};
    char* run_unknown[] = {prog, unknown};
    char* run_throw[] = {prog, thrower};
    char* run_none[] = {prog};
    QCOMPARE(pb::run_command_line("tool", 3, run_ok), 1);
    QCOMPARE(pb::run_command_line("tool", 2, run_unknown), 2);
    QCOMPARE(pb::run_command_line("tool", 2, run_throw), 1);
    QCOMPARE(pb::run_command_line("tool", 1, run_none), 2);
  }

  // Our own errors are printed whole (a weights report lists a key per line); others
  // only up to their first line (LibTorch appends a backtrace).
  void commandLinePrintsOurErrorsWhole() {
    pb::CommandRegistrar ours(
        "report-verb", "throws a report", [](const std::vector<std::string>&) -> int {
          throw pb::Error(pb::ErrorCode::shape_mismatch,
                          "w.pt: weights do not fit the model:\nmissing key: a");
        });
    pb::CommandRegistrar theirs("foreign-verb", "throws",
                                [](const std::vector<std::string>&) -> int {
                                  throw std::runtime_error("broken input\nbacktrace");
                                });
    auto run = [](const char* name) {
      std::ostringstream captured;
      std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
      char prog[] = "tool";
      std::string verb = name;
      char* argv[] = {prog, verb.data()};
      const int rc = pb::run_command_line("tool", 2, argv);
      std::cerr.rdbuf(old);
      return std::make_pair(rc, captured.str());
    };
    const auto [rc_ours, text_ours] = run("report-verb");
    QCOMPARE(rc_ours, 1);
    QCOMPARE(QString::fromStdString(text_ours),
             QStringLiteral("tool: w.pt: weights do not fit the model:\nmissing key: a\n"));
    const auto [rc_theirs, text_theirs] = run("foreign-verb");
    QCOMPARE(rc_theirs, 1);
    QCOMPARE(QString::fromStdString(text_theirs), QStringLiteral("tool: broken input\n"));
  }
};

QTEST_GUILESS_MAIN(TestCoreError)
#include "tst_core_error.moc"
