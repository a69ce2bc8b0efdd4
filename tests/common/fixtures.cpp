#include "tests/common/fixtures.h"

#include <QDir>
#include <QFileInfo>

namespace pbtest {

QString fixtures_dir() {
  const QByteArray env = qgetenv("PROMPTBRUSH_FIXTURES");
  if (!env.isEmpty()) return QString::fromLocal8Bit(env);
  return QDir::cleanPath(QStringLiteral(PB_DEFAULT_FIXTURES));
}

QString fixture(const QString& relative) {
  const QString path = QDir(fixtures_dir()).filePath(relative);
  return QFileInfo::exists(path) ? path : QString();
}

std::string fixture_std(const QString& relative) { return fixture(relative).toStdString(); }

}  // namespace pbtest
