// apply_conv_policy: a placement without Winograd (the engine's, under a memory budget)
// drops a loaded model's Winograd weights and gives LibTorch's exact convolution; with it,
// they come back on the next call.
// LibTorch before Qt: Qt's `slots` macro breaks torch's headers.
#include <torch/types.h>

#include "engine/nn/common/conv2d.h"
#include "engine/pipelines/placement.h"

#include <QtTest>

class TestPipelinesPlacement : public QObject {
  Q_OBJECT

 private slots:
  void placement_without_winograd_drops_the_cache() {
    if (pb::nn::default_cpu_winograd_min_pixels() == 0)
      QSKIP("this CPU or build has no oneDNN Winograd kernel");
    torch::NoGradGuard no_grad;
    auto root = std::make_shared<torch::nn::Module>();
    auto conv = root->register_module(
        "conv", pb::nn::Conv2d(torch::nn::Conv2dOptions(32, 32, 3).padding(1)));
    const torch::Tensor x = torch::randn({1, 32, 64, 64});
    conv->forward(x);  // the default threshold, 64 x 64
    QVERIFY(pb::nn::winograd_cache_bytes(*root) > 0);
    pb::pipelines::Placement under_budget;
    under_budget.winograd = false;
    pb::pipelines::apply_conv_policy(*root, under_budget);
    QCOMPARE(pb::nn::winograd_cache_bytes(*root), std::size_t(0));
    QVERIFY(torch::equal(conv->forward(x), at::conv2d(x, conv->weight, conv->bias, 1, 1)));
    pb::pipelines::apply_conv_policy(*root, pb::pipelines::Placement{});
    conv->forward(x);
    QVERIFY(pb::nn::winograd_cache_bytes(*root) > 0);
  }
};

QTEST_GUILESS_MAIN(TestPipelinesPlacement)
#include "tst_pipelines_placement.moc"
