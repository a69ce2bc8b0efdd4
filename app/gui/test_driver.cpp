#include "app/gui/test_driver.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>
#include <cstdio>
#include <cstdlib>

#include "ui/document/document.h"
#include "ui/mainwindow/main_window.h"
#include "ui/mainwindow/message_bar.h"
#include "ui/panels/gallery_panel.h"
#include "ui/panels/history_panel.h"
#include "ui/panels/prompt_panel.h"

namespace pbapp {

namespace {
constexpr int kPollMs = 20;
constexpr int kStepTimeoutMs = 180000;  // a waiting step that takes longer fails the run

void say(const QString& line) {
  std::fprintf(stdout, "%s\n", qPrintable(line));
  std::fflush(stdout);  // the test reads these lines while the app runs
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}
}  // namespace

TestDriver* TestDriver::fromEnvironment(MainWindow* window, QObject* parent) {
  const QString script = qEnvironmentVariable("PROMPTBRUSH_TEST_DRIVE");
  if (script.isEmpty()) return nullptr;
  return new TestDriver(window, script.split(';', Qt::SkipEmptyParts), parent);
}

TestDriver::TestDriver(MainWindow* window, const QStringList& steps, QObject* parent)
    : QObject(parent), window_(window), steps_(steps), timer_(new QTimer(this)) {
  timer_->setInterval(kPollMs);
  connect(timer_, &QTimer::timeout, this, &TestDriver::poll);
}

void TestDriver::start() { timer_->start(); }

void TestDriver::fail(const QString& why) {
  say(QStringLiteral("PB-DRIVE-ERROR %1").arg(why));
  std::exit(3);
}

void TestDriver::poll() {
  // A modal question (the recovery offer) runs its own event loop: the timer still fires.
  if (next_ >= steps_.size()) {
    timer_->stop();
    return;
  }
  const QString text = steps_[next_].trimmed();
  const QStringList words = text.split(' ', Qt::SkipEmptyParts);
  if (words.isEmpty() || step(words)) {
    say(QStringLiteral("PB-DRIVE %1").arg(text));
    ++next_;
    waitedMs_ = 0;
    return;
  }
  waitedMs_ += kPollMs;
  if (waitedMs_ > kStepTimeoutMs) fail(QStringLiteral("timed out in step '%1'").arg(text));
}

bool TestDriver::step(const QStringList& w) {
  if (!window_) fail(QStringLiteral("the window is gone"));
  const QString& name = w[0];
  Document* doc = window_->document();
  PromptPanel* prompt = window_->promptPanel();
  GalleryPanel* gallery = window_->galleryPanel();
  if (name == "recover") {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box || !box->button(QMessageBox::Yes)) return false;
    box->button(QMessageBox::Yes)->click();
    return true;
  }
  if (name == "paint") {
    if (w.size() != 6) fail(QStringLiteral("paint wants X0 Y0 X1 Y1 D"));
    if (!doc->hasImage()) return false;  // the image is opened after the first event loop turn
    doc->beginStroke(false, w[5].toDouble(), 1.0);
    doc->strokeTo(QPointF(w[1].toDouble(), w[2].toDouble()));
    doc->strokeTo(QPointF(w[3].toDouble(), w[4].toDouble()));
    doc->endStroke();
    return true;
  }
  if (name == "generate") {
    RunSettings s = prompt->settings();
    s.mode = GenerationMode::Inpaint;
    s.method = FillMethod::Glide;
    s.prompt = QStringLiteral("a red apple");
    s.quality = QualityPreset::Custom;
    s.customSteps = w.value(1, QStringLiteral("4")).toInt();
    s.randomSeed = false;
    s.seed = 7;
    s.candidates = 1;
    prompt->setSettings(s);
    if (!prompt->generateButton()->isEnabled()) fail(QStringLiteral("Generate is disabled"));
    prompt->generateButton()->click();
    return true;
  }
  if (name == "running") return prompt->progressLabel()->text().contains(QStringLiteral("step"));
  if (name == "result") return !prompt->isRunning() && gallery->count() > 0;
  if (name == "apply") {
    gallery->select(0);
    if (!gallery->applyButton()->isEnabled()) fail(QStringLiteral("Apply is disabled"));
    gallery->applyButton()->click();
    return true;
  }
  if (name == "dump") {
    if (!dump()) fail(QStringLiteral("cannot write to $PROMPTBRUSH_TEST_OUT"));
    return true;
  }
  if (name == "message") {
    say(QStringLiteral("PB-DRIVE-MESSAGE %1").arg(window_->messageBar()->text().simplified()));
    return true;
  }
  if (name == "shortcuts") {
    window_->action(QStringLiteral("actionShortcuts"))->trigger();  // as F1 does
    return true;
  }
  if (name == "exit") {
    QCoreApplication::exit(0);
    return true;
  }
  fail(QStringLiteral("unknown step '%1'").arg(name));
  return false;
}

bool TestDriver::dump() {
  const QDir out(qEnvironmentVariable("PROMPTBRUSH_TEST_OUT"));
  if (out.path().isEmpty() || !out.exists()) return false;
  Document* doc = window_->document();
  return doc->image().save(out.filePath(QStringLiteral("image.png"))) &&
         doc->mask().save(out.filePath(QStringLiteral("mask.png"))) &&
         writeFile(out.filePath(QStringLiteral("applied.json")),
                   QJsonDocument(doc->appliedParameters()).toJson()) &&
         writeFile(out.filePath(QStringLiteral("runs.json")),
                   QJsonDocument(window_->historyPanel()->toJson()).toJson());
}

}  // namespace pbapp
