#pragma once
// Where the reference fixtures live: $PROMPTBRUSH_FIXTURES, else ../shared/fixtures
// beside the checkout. Parity tests call PB_REQUIRE_FIXTURE to skip (saying so)
// when a file is absent.
#include <QString>
#include <QtTest>

namespace pbtest {

QString fixtures_dir();
// Absolute path of a fixture file, e.g. fixture("glide/small-base.pt"); empty if absent.
QString fixture(const QString& relative);
std::string fixture_std(const QString& relative);

}  // namespace pbtest

#define PB_REQUIRE_FIXTURE(var, rel)                                                            \
  const QString var = pbtest::fixture(rel);                                                     \
  if (var.isEmpty())                                                                            \
    QSKIP(qPrintable(QStringLiteral("fixture %1 not found under %2 (set PROMPTBRUSH_FIXTURES)") \
                         .arg(rel, pbtest::fixtures_dir())));
