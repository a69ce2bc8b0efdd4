// The shared layers' CPU fast paths against the plain ATen ops: matrix products split
// over intra-op threads (cpu_parallel.h) must give what one batched call gives, for
// batch sizes and row counts that do not divide evenly, non-contiguous inputs, and the
// dtypes that take the plain path.
// LibTorch before Qt: Qt's `slots` macro breaks torch's headers.
#include <ATen/Parallel.h>
#include <torch/types.h>

#include "engine/nn/common/cpu_parallel.h"
#include "tests/common/tensor_compare.h"

#include <QtTest>

namespace {

using pbtest::rel_err;

torch::Tensor reference_linear(const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b) {
  return at::matmul(w, x) + b.unsqueeze(-1);
}

torch::Tensor reference_attention(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v) {
  const auto w = at::softmax(at::bmm(q.transpose(1, 2).to(torch::kFloat), k.to(torch::kFloat)), -1);
  return at::bmm(v.to(torch::kFloat), w.transpose(1, 2));
}

}  // namespace

class TestNnLayers : public QObject {
  Q_OBJECT

 private slots:
  void cleanup() { at::set_num_threads(1); }

  void batched_linear_matches_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("rows");
    QTest::newRow("1 thread") << 1 << 2 << 96;
    QTest::newRow("2 threads, batch 1") << 2 << 1 << 96;
    QTest::newRow("2 threads, batch 2") << 2 << 2 << 96;
    QTest::newRow("3 threads, batch 3, odd rows") << 3 << 3 << 37;
    QTest::newRow("4 threads, one row") << 4 << 2 << 1;
  }
  void batched_linear_matches() {
    QFETCH(int, threads);
    QFETCH(int, batch);
    QFETCH(int, rows);
    at::set_num_threads(threads);
    c10::InferenceMode guard;
    torch::manual_seed(1);
    const auto x = torch::randn({batch, 24, 50});
    const auto w = torch::randn({rows, 24});
    const auto b = torch::randn({rows});
    const auto out = pb::nn::batched_linear(x, w, b);
    QCOMPARE(out.sizes(), (c10::IntArrayRef{batch, rows, 50}));
    QVERIFY(rel_err(out, reference_linear(x, w, b)) < 1e-6);
    // A non-contiguous input (a transposed view) gives the same.
    const auto xt = x.transpose(1, 2).contiguous().transpose(1, 2);
    QVERIFY(!xt.is_contiguous());
    QVERIFY(torch::allclose(pb::nn::batched_linear(xt, w, b), out, 1e-5, 1e-5));
  }

  void batched_linear_bf16_takes_the_plain_path() {
    at::set_num_threads(2);
    c10::InferenceMode guard;
    const auto x = torch::randn({2, 16, 20}).to(torch::kBFloat16);
    const auto w = torch::randn({8, 16}).to(torch::kBFloat16);
    const auto b = torch::randn({8}).to(torch::kBFloat16);
    const auto out = pb::nn::batched_linear(x, w, b);
    QCOMPARE(out.scalar_type(), torch::kBFloat16);
    QVERIFY(rel_err(out, reference_linear(x.to(torch::kFloat), w.to(torch::kFloat),
                                          b.to(torch::kFloat))) < 2e-2);
  }

  void batched_linear_rejects_a_wrong_shape() {
    c10::InferenceMode guard;
    bool threw = false;
    try {
      pb::nn::batched_linear(torch::randn({2, 5, 3}), torch::randn({4, 6}), torch::randn({4}));
    } catch (const c10::Error& e) {
      threw = QString(e.what()).contains("[B, 6, T]");
    }
    QVERIFY(threw);
  }

  void attention_heads_matches_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("heads");
    QTest::newRow("1 thread") << 1 << 4;
    QTest::newRow("2 threads") << 2 << 4;
    QTest::newRow("3 threads, 5 heads") << 3 << 5;
    QTest::newRow("4 threads, 1 head") << 4 << 1;
  }
  void attention_heads_matches() {
    QFETCH(int, threads);
    QFETCH(int, heads);
    at::set_num_threads(threads);
    c10::InferenceMode guard;
    torch::manual_seed(2);
    // Slices of a packed qkv tensor as in the UNet's attention: not contiguous.
    const auto packed = torch::randn({heads, 3 * 16, 64}) * 0.5;
    const auto q = packed.narrow(1, 0, 16), k = packed.narrow(1, 16, 16),
               v = packed.narrow(1, 32, 16);
    const auto out = pb::nn::attention_heads(q, k, v);
    QCOMPARE(out.sizes(), (c10::IntArrayRef{heads, 16, 64}));
    QVERIFY(rel_err(out, reference_attention(q, k, v)) < 1e-5);
  }

  void attention_heads_bf16_softmax_in_float() {
    at::set_num_threads(2);
    c10::InferenceMode guard;
    const auto q = (torch::randn({2, 8, 30}) * 0.5).to(torch::kBFloat16);
    const auto k = (torch::randn({2, 8, 40}) * 0.5).to(torch::kBFloat16);
    const auto v = torch::randn({2, 8, 40}).to(torch::kBFloat16);
    const auto out = pb::nn::attention_heads(q, k, v);
    QCOMPARE(out.scalar_type(), torch::kBFloat16);
    QVERIFY(rel_err(out, reference_attention(q, k, v)) < 3e-2);
  }
};

QTEST_GUILESS_MAIN(TestNnLayers)
#include "tst_nn_layers.moc"
