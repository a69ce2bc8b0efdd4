#pragma once
// The app's languages: our strings from the .qm files embedded under :/i18n/ (made by the
// build from ui/translations/*.ts) and Qt's own (qtbase_*.qm: standard buttons, dialogs)
// from QLibraryInfo::TranslationsPath.
#include <QLocale>
#include <QString>

// Installs the translators for `locale`, replacing any installed before; call before the
// widgets are made. Returns whether Promptbrush has a translation for it (English needs none).
bool installTranslations(const QLocale& locale);
// The languages Promptbrush is translated into ("de", ...).
QStringList availableTranslations();
