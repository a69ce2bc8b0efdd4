#include "ui/mainwindow/translations.h"

#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QPointer>
#include <QTranslator>

namespace {
const char* const kResourceDir = ":/i18n";
QPointer<QTranslator> g_ours, g_qt;

void replace(QPointer<QTranslator>* slot, QTranslator* next) {
  if (*slot) {
    QCoreApplication::removeTranslator(*slot);
    delete slot->data();
  }
  *slot = next;
  if (next) QCoreApplication::installTranslator(next);
}
}  // namespace

bool installTranslations(const QLocale& locale) {
  auto* qt = new QTranslator(QCoreApplication::instance());
  if (!qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    delete qt;
    qt = nullptr;
  }
  replace(&g_qt, qt);
  auto* ours = new QTranslator(QCoreApplication::instance());
  if (!ours->load(locale, QStringLiteral("promptbrush"), QStringLiteral("_"),
                  QString::fromLatin1(kResourceDir))) {
    delete ours;
    ours = nullptr;
  }
  replace(&g_ours, ours);
  return ours != nullptr;
}

QStringList availableTranslations() {
  QStringList out;
  for (const QString& f : QDir(QString::fromLatin1(kResourceDir))
                              .entryList({QStringLiteral("promptbrush_*.qm")}, QDir::Files))
    out << f.mid(int(qstrlen("promptbrush_"))).chopped(3);
  return out;
}
