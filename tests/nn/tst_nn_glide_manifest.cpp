// The real-size GLIDE models' module trees against the published checkpoints'
// manifests (shared/fixtures/glide/manifest_*.json, README 5): every state_dict key
// and shape (order-independent), no buffers, the parameter count, and the dtypes
// convert_to_fp16() leaves (dtype_after_convert_to_fp16). Builds ~1.6 GB models; the
// checks live in tests/parity.
// LibTorch before Qt: Qt's `slots` macro breaks torch's headers.
#include <torch/types.h>

#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/parity_checks.h"

class TestNnGlideManifest : public QObject {
  Q_OBJECT

 private slots:
  void manifests() {
    PB_VERIFY_CHECKS(pb::parity::glide_manifests(pbtest::fixtures_dir().toStdString()));
  }
};

QTEST_GUILESS_MAIN(TestNnGlideManifest)
#include "tst_nn_glide_manifest.moc"
