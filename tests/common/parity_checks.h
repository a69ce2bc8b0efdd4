#pragma once
// Asserts a list of pb::parity checks in a Qt Test function: logs each, skips (saying
// why) when none could run, fails listing every failed one; a check whose fixture is
// absent is logged as skipped.
#include <QString>
#include <QtTest>

#include "tests/parity/parity.h"

#define PB_VERIFY_CHECKS(expr)                                                            \
  do {                                                                                    \
    const std::vector<pb::parity::Check> pb_checks_ = (expr);                             \
    QString pb_failures_, pb_skipped_;                                                    \
    int pb_ran_ = 0;                                                                      \
    for (const auto& c : pb_checks_) {                                                    \
      if (c.skipped()) {                                                                  \
        pb_skipped_ += QString::fromStdString(c.name + ": " + c.detail + "\n");           \
        continue;                                                                         \
      }                                                                                   \
      ++pb_ran_;                                                                          \
      const QString line =                                                                \
          QString::fromStdString(c.name) + QStringLiteral(": error %1 (tolerance %2) %3") \
                                               .arg(c.error)                              \
                                               .arg(c.tolerance)                          \
                                               .arg(QString::fromStdString(c.detail));    \
      qInfo("%s", qPrintable(line));                                                      \
      if (!c.passed()) pb_failures_ += line + "\n";                                       \
    }                                                                                     \
    if (pb_ran_ == 0) QSKIP(qPrintable("no check could run:\n" + pb_skipped_));           \
    if (!pb_skipped_.isEmpty()) qInfo("skipped:\n%s", qPrintable(pb_skipped_));           \
    QVERIFY2(pb_failures_.isEmpty(), qPrintable(pb_failures_));                           \
  } while (false)
