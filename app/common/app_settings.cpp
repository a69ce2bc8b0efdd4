#include "app/common/app_settings.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>

namespace pbapp {

namespace {
QSettings settings() { return QSettings(kOrganization, kApplication); }
}  // namespace

QString defaultModelsDir() {
  // GenericDataLocation honours XDG_DATA_HOME and falls back to ~/.local/share.
  QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
  if (base.isEmpty()) base = QDir::home().filePath(".local/share");
  return QDir(base).filePath("promptbrush/models");
}

ModelsDirChoice resolveModelsDir(const QString& commandLineOverride) {
  if (!commandLineOverride.isEmpty()) return {commandLineOverride, "--models"};
  const QByteArray env = qgetenv("PROMPTBRUSH_MODELS");
  if (!env.isEmpty()) return {QString::fromLocal8Bit(env), "$PROMPTBRUSH_MODELS"};
  const QString fromSettings = settings().value(keys::modelsDir).toString();
  if (!fromSettings.isEmpty()) return {fromSettings, "settings"};
  return {defaultModelsDir(), "default"};
}

QString deviceSetting() { return settings().value(keys::device, "auto").toString(); }
int memoryBudgetMbSetting() { return settings().value(keys::memoryBudgetMb, 0).toInt(); }
QString precisionSetting() { return settings().value(keys::precision, "auto").toString(); }
int threadsSetting() { return settings().value(keys::threads, 0).toInt(); }

}  // namespace pbapp
