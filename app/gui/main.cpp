// promptbrush: the desktop app. `promptbrush [--models DIR] [IMAGE]`.
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QTimer>

#include "app/common/app_settings.h"
#include "app/gui/app_identity.h"
#include "app/gui/app_controller.h"
#include "app/gui/engine_bridge.h"
#include "app/gui/recovery.h"
#include "app/gui/test_driver.h"
#include "ui/mainwindow/app_style.h"
#include "ui/mainwindow/main_window.h"
#include "ui/mainwindow/translations.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  pbapp::applyAppIdentity(app);
  applyAppStyle(app);
  installTranslations(QLocale::system());

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QCoreApplication::translate("main", "Text-guided image editing with diffusion models."));
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption modelsOption(
      QStringLiteral("models"),
      QCoreApplication::translate(
          "main", "Models folder (overrides $PROMPTBRUSH_MODELS and the settings)."),
      QCoreApplication::translate("main", "DIR"));
  parser.addOption(modelsOption);
  parser.addPositionalArgument(QStringLiteral("IMAGE"),
                               QCoreApplication::translate("main", "Image to open."),
                               QStringLiteral("[IMAGE]"));
  parser.process(app);
  if (parser.positionalArguments().size() > 1) {
    fprintf(stderr, "promptbrush: expected at most one IMAGE\n");
    return 2;
  }

  const pbapp::ModelsDirChoice models = pbapp::resolveModelsDir(parser.value(modelsOption));
  // Declared in this order so that they are destroyed in reverse: the window and its
  // controller go first, then the bridge, which cancels the running job and joins the
  // engine thread.
  pbapp::EngineBridge bridge(pbapp::engineConfigFromSettings(models));
  MainWindow window;
  pbapp::AppController controller(&window, &bridge, models);
  // $PROMPTBRUSH_RECOVERY_DELAY_MS: the autosave's quiet time (tests shorten it).
  bool delaySet = false;
  const int delayMs = qEnvironmentVariableIntValue("PROMPTBRUSH_RECOVERY_DELAY_MS", &delaySet);
  pbapp::RecoveryManager recovery(&window, {}, delaySet && delayMs > 0 ? delayMs : 5000);
  // A finished run changes the run history, which the recovery file keeps too.
  QObject::connect(&bridge, &pbapp::EngineBridge::finished, &recovery,
                   &pbapp::RecoveryManager::scheduleSave);
  window.show();
  if (pbapp::TestDriver* driver = pbapp::TestDriver::fromEnvironment(&window, &app))
    driver->start();

  QTimer::singleShot(0, &window, [&] {
    if (recovery.hasRecovery()) {
      const auto answer = QMessageBox::question(
          &window, QObject::tr("Recover Work"),
          QObject::tr("Promptbrush did not close properly last time. Restore the unsaved "
                      "image, mask and run history?"),
          QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
      QString error;
      if (answer == QMessageBox::Yes && recovery.restore(&error)) return;
      if (answer == QMessageBox::Yes)
        window.showError(QObject::tr("Could not recover: %1").arg(error));
      else
        recovery.discard();
    }
    if (!parser.positionalArguments().isEmpty())
      window.openFile(parser.positionalArguments().front());
    controller.showFirstRunIfNeeded();
  });
  return app.exec();
}
