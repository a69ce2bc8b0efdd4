// Decoder structure after the DEFLATE specification (RFC 1951): canonical Huffman codes
// decoded bit by bit with per-length code counts.
#include "engine/io/inflate.h"

#include "engine/core/error.h"

namespace pb::io {
namespace {

constexpr int kMaxBits = 15;

struct Huffman {
  short count[kMaxBits + 1] = {};
  short symbol[288] = {};
};

class Inflater {
 public:
  Inflater(ByteSpan in, std::uint64_t limit, const std::string& where)
      : in_(in), limit_(limit), where_(where) {}

  std::string run() {
    int last;
    do {
      last = bits(1);
      int type = bits(2);
      if (type == 0)
        stored();
      else if (type == 1)
        fixed();
      else if (type == 2)
        dynamic();
      else
        fail("invalid block type");
    } while (!last);
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::bad_file, where_ + ": corrupt compressed data: " + what);
  }
  int bits(int need) {
    std::uint32_t val = bitbuf_;
    while (bitcnt_ < need) {
      if (pos_ >= in_.size) fail("truncated");
      val |= static_cast<std::uint32_t>(in_.data[pos_++]) << bitcnt_;
      bitcnt_ += 8;
    }
    bitbuf_ = val >> need;
    bitcnt_ -= need;
    return static_cast<int>(val & ((1u << need) - 1));
  }
  void emit(char c) {
    if (out_.size() >= limit_) fail("more data than the entry's declared size");
    out_.push_back(c);
  }

  void stored() {
    bitbuf_ = 0;
    bitcnt_ = 0;
    if (!in_.contains(pos_, 4)) fail("truncated");
    unsigned len = in_.data[pos_] | (in_.data[pos_ + 1] << 8);
    unsigned nlen = in_.data[pos_ + 2] | (in_.data[pos_ + 3] << 8);
    pos_ += 4;
    if (len != (~nlen & 0xFFFF)) fail("stored block length check");
    if (!in_.contains(pos_, len)) fail("truncated");
    for (unsigned i = 0; i < len; ++i) emit(static_cast<char>(in_.data[pos_++]));
  }

  int decode(const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
      code |= bits(1);
      int count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    fail("invalid Huffman code");
  }

  // Returns 0 for a complete code, > 0 for an incomplete one; fails if over-subscribed.
  int construct(Huffman& h, const short* length, int n) {
    for (auto& c : h.count) c = 0;
    for (int s = 0; s < n; ++s) h.count[length[s]]++;
    if (h.count[0] == n) return 0;
    int left = 1;
    for (int len = 1; len <= kMaxBits; ++len) {
      left <<= 1;
      left -= h.count[len];
      if (left < 0) fail("over-subscribed Huffman code");
    }
    short offs[kMaxBits + 1];
    offs[1] = 0;
    for (int len = 1; len < kMaxBits; ++len) offs[len + 1] = offs[len] + h.count[len];
    for (int s = 0; s < n; ++s)
      if (length[s] != 0) h.symbol[offs[length[s]]++] = static_cast<short>(s);
    return left;
  }

  void codes(const Huffman& lencode, const Huffman& distcode) {
    static const short kLenBase[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                       15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                       67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const short kLenExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                        2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const short kDistBase[30] = {
        1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const short kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                         6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    while (true) {
      int sym = decode(lencode);
      if (sym < 256) {
        emit(static_cast<char>(sym));
      } else if (sym == 256) {
        return;
      } else {
        sym -= 257;
        if (sym >= 29) fail("invalid length symbol");
        int len = kLenBase[sym] + bits(kLenExtra[sym]);
        int dsym = decode(distcode);
        if (dsym >= 30) fail("invalid distance symbol");
        std::size_t dist = static_cast<std::size_t>(kDistBase[dsym] + bits(kDistExtra[dsym]));
        if (dist > out_.size()) fail("distance too far back");
        for (int i = 0; i < len; ++i) emit(out_[out_.size() - dist]);
      }
    }
  }

  void fixed() {
    static Huffman lencode, distcode;
    static bool built = [&] {
      short lengths[288];
      int s = 0;
      for (; s < 144; ++s) lengths[s] = 8;
      for (; s < 256; ++s) lengths[s] = 9;
      for (; s < 280; ++s) lengths[s] = 7;
      for (; s < 288; ++s) lengths[s] = 8;
      construct(lencode, lengths, 288);
      for (s = 0; s < 30; ++s) lengths[s] = 5;
      construct(distcode, lengths, 30);
      return true;
    }();
    (void)built;
    codes(lencode, distcode);
  }

  void dynamic() {
    static const short kOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                     11, 4,  12, 3, 13, 2, 14, 1, 15};
    int nlen = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4;
    if (nlen > 286 || ndist > 30) fail("bad code counts");
    short lengths[320] = {};
    int index = 0;
    for (; index < ncode; ++index) lengths[kOrder[index]] = static_cast<short>(bits(3));
    for (; index < 19; ++index) lengths[kOrder[index]] = 0;
    Huffman lencode, distcode;
    if (construct(lencode, lengths, 19) != 0) fail("incomplete code-length code");
    index = 0;
    while (index < nlen + ndist) {
      int sym = decode(lencode);
      if (sym < 16) {
        lengths[index++] = static_cast<short>(sym);
      } else {
        short len = 0;
        int repeat;
        if (sym == 16) {
          if (index == 0) fail("repeat with no first length");
          len = lengths[index - 1];
          repeat = 3 + bits(2);
        } else if (sym == 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (index + repeat > nlen + ndist) fail("too many lengths");
        while (repeat--) lengths[index++] = len;
      }
    }
    if (lengths[256] == 0) fail("no end-of-block code");
    int err = construct(lencode, lengths, nlen);
    if (err && nlen != lencode.count[0] + lencode.count[1]) fail("incomplete literal/length code");
    err = construct(distcode, lengths + nlen, ndist);
    if (err && ndist != distcode.count[0] + distcode.count[1]) fail("incomplete distance code");
    codes(lencode, distcode);
  }

  ByteSpan in_;
  std::size_t pos_ = 0;
  std::uint32_t bitbuf_ = 0;
  int bitcnt_ = 0;
  std::uint64_t limit_;
  const std::string& where_;
  std::string out_;
};

}  // namespace

std::string inflate_raw(ByteSpan in, std::uint64_t expected_size, const std::string& where) {
  std::string out = Inflater(in, expected_size, where).run();
  if (out.size() != expected_size)
    throw Error(ErrorCode::bad_file, where +
                                         ": corrupt compressed data: size differs from the "
                                         "zip directory's");
  return out;
}

}  // namespace pb::io
