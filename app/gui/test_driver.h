#pragma once
// Scripted use of the real app for tests that must run it as a separate process (the crash
// tests in tests/app/tst_app_recovery.cpp kill it with SIGKILL). Off unless
// $PROMPTBRUSH_TEST_DRIVE is set; then its steps (separated by ';') run one after another on
// the GUI thread through the same widgets and document calls a person's input reaches:
//   recover            answer the "Recover Work" question with Yes
//   paint X0 Y0 X1 Y1 D  one brush stroke of diameter D (image pixels), as the canvas paints
//   generate STEPS     set the prompt panel (GLIDE inpaint, fixed seed) and click Generate
//   running            wait until a diffusion step has been reported
//   result             wait until the run has finished and its candidate is in the gallery
//   apply              click Apply on the first candidate
//   dump               write image.png, mask.png, applied.json and runs.json to
//                      $PROMPTBRUSH_TEST_OUT
//   message            print the message bar's text as "PB-DRIVE-MESSAGE <text>"
//   shortcuts          open Help ▸ Keyboard Shortcuts (for screenshots)
//   exit               leave the event loop (as a crash would: the recovery file stays)
// Each finished step prints "PB-DRIVE <step>" on stdout; a failed one prints
// "PB-DRIVE-ERROR <why>" and exits with status 3.
#include <QObject>
#include <QPointer>
#include <QStringList>

class MainWindow;
class QTimer;

namespace pbapp {

class TestDriver : public QObject {
  Q_OBJECT
 public:
  // nullptr unless $PROMPTBRUSH_TEST_DRIVE is set.
  static TestDriver* fromEnvironment(MainWindow* window, QObject* parent);
  void start();

 private:
  TestDriver(MainWindow* window, const QStringList& steps, QObject* parent);
  void poll();
  // True when the current step is done; false to be polled again.
  bool step(const QStringList& words);
  void fail(const QString& why);
  bool dump();

  QPointer<MainWindow> window_;
  QStringList steps_;
  int next_ = 0;
  int waitedMs_ = 0;
  QTimer* timer_;
};

}  // namespace pbapp
