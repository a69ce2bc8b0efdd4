// Whole GLIDE sampling trajectories with the real (small) networks: base-stage inpainting with
// classifier-free guidance (DDPM and DDIM) and the upsample stage, fed the recorded noises
// (glide/README.md section 8.2). Every step is checked against the reference's recording;
// the checks live in tests/parity so that `promptbrush-bench parity` runs them on a GPU too.
// LibTorch before Qt: Qt's `slots` macro breaks torch's headers.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include <QtTest>

#include "tests/common/fixtures.h"
#include "tests/common/parity_checks.h"

class TestDiffusionGlideSampling : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    // The fixtures were recorded with one intra-op thread; one thread also keeps this test
    // from fighting other processes on a small machine.
    at::set_num_threads(1);
  }

  void trajectories() {
    PB_VERIFY_CHECKS(pb::parity::glide_sampling(pbtest::fixtures_dir().toStdString(), {}));
  }
};

QTEST_GUILESS_MAIN(TestDiffusionGlideSampling)
#include "tst_diffusion_glide_sampling.moc"
