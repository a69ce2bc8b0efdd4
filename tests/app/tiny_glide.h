#pragma once
// In a test function: the tokenizer fixtures and tiny random-weight GLIDE inpainting models
// (tests/common/glide_models.h) into `dir`; skips the test when the fixtures are absent.
#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/glide_models.h"

#define PB_WRITE_TINY_GLIDE_MODELS(dir)                                                 \
  do {                                                                                  \
    if (pbtest::fixture(QStringLiteral("tokenizer/encoder.json.gz")).isEmpty())         \
      QSKIP("GLIDE tokenizer fixtures not found (set PROMPTBRUSH_FIXTURES)");           \
    QVERIFY2(pbtest::make_glide_inpaint_models_dir(dir), "could not write the models"); \
  } while (false)
