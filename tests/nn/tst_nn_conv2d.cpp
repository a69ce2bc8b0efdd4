// pb::nn::Conv2d: its Winograd path (oneDNN) against LibTorch's convolution with the same
// weights, in both memory layouts; the cases that must stay LibTorch's; a reload of the
// weights; concurrent calls.
// LibTorch before Qt: Qt's `slots` macro breaks torch's headers.
#include <ATen/record_function.h>
#include <torch/nn/functional/conv.h>
#include <torch/types.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "engine/nn/common/conv2d.h"
#include "tests/common/tensor_compare.h"

#include <QtTest>

namespace {

using pbtest::rel_err;

torch::Tensor reference(const pb::nn::Conv2d& conv, const torch::Tensor& x) {
  const auto& o = conv->options;
  return at::conv2d(x.contiguous(), conv->weight, conv->bias, *o.stride(),
                    *c10::get<torch::ExpandingArray<2>>(o.padding()), *o.dilation(), o.groups());
}

pb::nn::Conv2d make_conv(int64_t in, int64_t out, int64_t stride = 1) {
  torch::manual_seed(7);
  return pb::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

bool winograd_available() { return pb::nn::default_cpu_winograd_min_pixels() > 0; }

}  // namespace

class TestNnConv2d : public QObject {
  Q_OBJECT

 private slots:
  void winograd_matches_libtorch_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("channels_last");
    QTest::addRow("1x64x64 contiguous") << 1 << 64 << false;
    QTest::addRow("2x48x40 contiguous") << 2 << 48 << false;
    QTest::addRow("2x64x64 channels-last") << 2 << 64 << true;
    QTest::addRow("1x37x37 channels-last") << 1 << 37 << true;
  }
  void winograd_matches_libtorch() {
    if (!winograd_available()) QSKIP("this CPU or build has no oneDNN Winograd kernel");
    QFETCH(int, batch);
    QFETCH(int, size);
    QFETCH(bool, channels_last);
    torch::NoGradGuard no_grad;
    auto conv = make_conv(32, 48);
    conv->set_cpu_winograd_min_pixels(1);
    torch::Tensor x = torch::randn({batch, 32, size, size});
    if (channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    const torch::Tensor y = conv->forward(x);
    QVERIFY(conv->winograd_cache_bytes() > 0);  // it did take the Winograd path
    QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{batch, 48, size, size}));
    QCOMPARE(y.is_contiguous(at::MemoryFormat::ChannelsLast) && !y.is_contiguous(), channels_last);
    // Winograd's rounding differs from the direct algorithm's by a few 1e-6 of the output.
    const double err = rel_err(y, reference(conv, x));
    QVERIFY2(err < 2e-5, qPrintable(QString("relative error %1").arg(err)));
    QVERIFY(err > 0);  // not LibTorch's arithmetic after all
  }

  void libtorch_where_winograd_does_not_apply_data() {
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("min_pixels");
    QTest::addColumn<bool>("bf16");
    QTest::addRow("stride 2") << 32 << 32 << 2 << 64 << 1 << false;
    QTest::addRow("channels not a multiple of 16") << 24 << 32 << 1 << 64 << 1 << false;
    QTest::addRow("map below the threshold") << 32 << 32 << 1 << 32 << 64 * 64 << false;
    QTest::addRow("switched off") << 32 << 32 << 1 << 64 << 0 << false;
    QTest::addRow("bfloat16") << 32 << 32 << 1 << 64 << 1 << true;
  }
  void libtorch_where_winograd_does_not_apply() {
    QFETCH(int, in);
    QFETCH(int, out);
    QFETCH(int, stride);
    QFETCH(int, size);
    QFETCH(int, min_pixels);
    QFETCH(bool, bf16);
    torch::NoGradGuard no_grad;
    auto conv = make_conv(in, out, stride);
    conv->set_cpu_winograd_min_pixels(min_pixels);
    torch::Tensor x = torch::randn({1, in, size, size});
    if (bf16) {
      conv->to(torch::kBFloat16);
      x = x.to(torch::kBFloat16);
    }
    const torch::Tensor y = conv->forward(x);
    QCOMPARE(conv->winograd_cache_bytes(), std::size_t(0));
    QVERIFY(torch::equal(y, reference(conv, x)));
  }

  void new_weights_replace_the_cached_ones() {
    if (!winograd_available()) QSKIP("this CPU or build has no oneDNN Winograd kernel");
    torch::NoGradGuard no_grad;
    auto conv = make_conv(16, 16);
    conv->set_cpu_winograd_min_pixels(1);
    const torch::Tensor x = torch::randn({1, 16, 32, 32});
    conv->forward(x);
    conv->weight.copy_(torch::randn_like(conv->weight));  // a checkpoint loaded in place
    QVERIFY(rel_err(conv->forward(x), reference(conv, x)) < 2e-5);
  }

  void batches_share_one_weight_layout() {
    if (!winograd_available()) QSKIP("this CPU or build has no oneDNN Winograd kernel");
    torch::NoGradGuard no_grad;
    auto conv = make_conv(64, 64);
    conv->set_cpu_winograd_min_pixels(1);
    const torch::Tensor two = torch::randn({2, 64, 32, 32});
    QVERIFY(rel_err(conv->forward(two), reference(conv, two)) < 2e-5);
    const std::size_t bytes = conv->winograd_cache_bytes();
    QVERIFY(bytes > 0);
    for (int64_t batch : {5, 8, 1}) {
      const torch::Tensor x = torch::randn({batch, 64, 32, 32})
                                  .contiguous(batch == 8 ? at::MemoryFormat::ChannelsLast
                                                         : at::MemoryFormat::Contiguous);
      QVERIFY2(rel_err(conv->forward(x), reference(conv, x)) < 2e-5,
               qPrintable(QString::number(batch)));
      // Larger batches run in chunks of the cached layout: no further copy of the weights.
      QCOMPARE(conv->winograd_cache_bytes(), bytes);
    }
  }

  // Profilers (bench --profile) see the Winograd calls by name: they are no ATen operator.
  void winograd_calls_are_named_for_profilers() {
    if (!winograd_available()) QSKIP("this CPU or build has no oneDNN Winograd kernel");
    torch::NoGradGuard no_grad;
    auto conv = make_conv(32, 32);
    conv->set_cpu_winograd_min_pixels(1);
    const torch::Tensor x = torch::randn({1, 32, 16, 16});
    static thread_local std::vector<std::string> seen;
    seen.clear();
    const auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback([](const at::RecordFunction& fn)
                                       -> std::unique_ptr<at::ObserverContext> {
          seen.emplace_back(fn.name());
          return nullptr;
        }).scopes({at::RecordScope::FUNCTION}));
    conv->forward(x);
    at::removeCallback(handle);
    QCOMPARE(std::count(seen.begin(), seen.end(), "pb::winograd_conv2d"), 1);
  }

  void concurrent_calls_agree() {
    if (!winograd_available()) QSKIP("this CPU or build has no oneDNN Winograd kernel");
    torch::NoGradGuard no_grad;
    auto conv = make_conv(32, 32);
    conv->set_cpu_winograd_min_pixels(1);
    const torch::Tensor a = torch::randn({1, 32, 48, 48}), b = torch::randn({2, 32, 40, 40});
    torch::Tensor ya, yb;
    std::thread t1([&] {
      torch::NoGradGuard g;
      ya = conv->forward(a);
    });
    std::thread t2([&] {
      torch::NoGradGuard g;
      yb = conv->forward(b);
    });
    t1.join();
    t2.join();
    QVERIFY(rel_err(ya, reference(conv, a)) < 2e-5);
    QVERIFY(rel_err(yb, reference(conv, b)) < 2e-5);
  }
};

QTEST_GUILESS_MAIN(TestNnConv2d)
#include "tst_nn_conv2d.moc"
