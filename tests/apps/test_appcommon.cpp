// The apps' common parts that need no MPI: .npy reading/writing and every
// bad-file error, records' one-line append, --check's comparison, medians.
#include <common/cli.hpp>
#include <common/compare.hpp>
#include <common/memory_check.hpp>
#include <common/npy.hpp>
#include <common/npy_convert.hpp>
#include <common/pool_support.hpp>
#include <common/records.hpp>
#include <common/timing.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace a = hmp::apps;

namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "hmp_appcommon_" + std::to_string(::getpid()) + "_" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

// A hand-made .npy: magic, version, little-endian length, header text, data.
std::string npy_bytes(const std::string& dict, std::size_t data_bytes, int major = 1) {
  std::string s("\x93NUMPY", 6);
  s += static_cast<char>(major);
  s += '\0';
  const std::size_t len = dict.size();
  s += static_cast<char>(len & 0xff);
  s += static_cast<char>((len >> 8) & 0xff);
  if (major >= 2) {
    s += static_cast<char>((len >> 16) & 0xff);
    s += static_cast<char>((len >> 24) & 0xff);
  }
  s += dict;
  s += std::string(data_bytes, '\0');
  return s;
}

// The NpyError message read_npy gives for these bytes ("" if none).
std::string read_error(const std::string& bytes) {
  const auto p = temp_path("bad.npy");
  spit(p, bytes);
  try {
    (void)a::read_npy(p);
  } catch (const a::NpyError& e) {
    std::remove(p.c_str());
    return e.what();
  }
  std::remove(p.c_str());
  return "";
}

}  // namespace

TEST(Memory, AvailableIsPositiveAndAtMostTheMachinesMemory) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t total_kb = 0;
  in >> key >> total_kb;
  ASSERT_EQ(key, "MemTotal:");
  const std::uint64_t have = hmp::apps::available_memory();
  EXPECT_GT(have, 0u);
  EXPECT_LE(have, total_kb * 1024);
}

TEST(Npy, RoundTripEveryDtypeAndRank) {
  const auto p = temp_path("rt.npy");
  const std::vector<double> d{1.5, -2, 3.25, 4, 5, 6};
  a::write_npy(p, {2, 3}, d);
  auto got = a::read_npy(p);
  EXPECT_EQ(got.header.dtype, a::Dtype::float64);
  EXPECT_EQ(got.header.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a::to_float64(got), d);
  const std::string bytes = slurp(p);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ((bytes.size() - d.size() * 8) % 64, 0u) << "data must start 64-byte aligned";
  EXPECT_NE(bytes.find("'shape': (2, 3), }"), std::string::npos);

  const std::vector<std::int64_t> i{-1, 0, 1ll << 40};
  a::write_npy(p, {3}, i);
  got = a::read_npy(p);
  EXPECT_EQ(got.header.shape, (std::vector<std::size_t>{3}));
  EXPECT_EQ(a::to_int64(got), i);
  EXPECT_NE(slurp(p).find("'shape': (3,), }"), std::string::npos);

  const std::vector<std::complex<double>> c{{1, 2}, {-3, 0.5}};
  a::write_npy(p, {1, 1, 2}, c);
  EXPECT_EQ(a::to_complex128(a::read_npy(p)), c);

  const double scalar = 42.5;
  a::write_npy(p, a::Dtype::float64, {}, &scalar);
  got = a::read_npy(p);
  EXPECT_TRUE(got.header.shape.empty());
  EXPECT_EQ(a::to_float64(got), std::vector<double>{42.5});
  EXPECT_NE(slurp(p).find("'shape': (), }"), std::string::npos);
  std::remove(p.c_str());
}

TEST(Npy, ReadsVersion2HeadersAndDoubleQuotes) {
  const auto p = temp_path("v2.npy");
  std::string bytes = npy_bytes("{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2L,)}\n", 16, 2);
  bytes[bytes.size() - 16] = 7;  // first element 7
  spit(p, bytes);
  const auto got = a::read_npy(p);
  EXPECT_EQ(a::to_int64(got), (std::vector<std::int64_t>{7, 0}));
  std::remove(p.c_str());
}

TEST(Npy, EveryBadFileIsAClearError) {
  const std::string ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";
  EXPECT_EQ(read_error(npy_bytes(ok, 16)), "");
  EXPECT_NE(read_error("PK\x03\x04 not numpy").find("no \\x93NUMPY magic"), std::string::npos);
  EXPECT_NE(read_error(std::string("\x93NUM", 4)).find("magic"), std::string::npos);
  EXPECT_NE(read_error(npy_bytes(ok, 8)).find("truncated: shape (2,) of float64 needs 16 data bytes, the file has 8"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes(ok, 24)).find("8 bytes after the data"), std::string::npos);
  EXPECT_NE(read_error(npy_bytes(ok, 16).substr(0, 30)).find("truncated header"), std::string::npos);
  // Header length claims 4 GiB.
  std::string absurd("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
  EXPECT_NE(read_error(absurd + ok).find("header length 4294967295 is absurd"), std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", 16))
                .find("fortran_order is True"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }", 16))
                .find("dtype '<U2' is not supported: allowed bool, int8-int64, uint8-uint64, float16-float64"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16)).find("'|O'"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<i3', 'fortran_order': False, 'shape': (2,), }", 6)).find("'<i3'"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0))
                .find("too large"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0))
                .find("overflows"),
            std::string::npos);
  // A huge but representable shape must fail on the file size, not on allocation.
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", 0))
                .find("truncated"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'shape': (2,), }", 16)).find("misses"), std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", 16))
                .find("unknown header key 'x'"),
            std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr: '<f8'", 16)).find("header"), std::string::npos);
  EXPECT_NE(read_error(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", 16))
                .find("non-negative integer"),
            std::string::npos);
  std::string v9 = npy_bytes(ok, 16);
  v9[6] = 9;
  EXPECT_NE(read_error(v9).find("format version 9.0 is not supported"), std::string::npos);
  try {
    (void)a::read_npy(temp_path("does-not-exist.npy"));
    ADD_FAILURE() << "no error for a missing file";
  } catch (const a::NpyError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

// Elements as numpy writes them (bytes given here, little- and big-endian),
// converted as numpy's astype converts.
TEST(Npy, ConvertsEveryDtypeAsNumpy) {
  const auto read = [](const std::string& descr, const std::string& data, std::size_t n) {
    const auto p = temp_path("conv.npy");
    spit(p, npy_bytes("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }",
                      0) +
                data);
    auto got = a::read_npy(p);
    std::remove(p.c_str());
    return got;
  };
  const auto b = read("|b1", std::string("\x01\x00\x01", 3), 3);
  EXPECT_EQ(a::to_string(b.header.dtype), "bool");
  EXPECT_EQ(a::to_int64(b), (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(a::to_float64(b), (std::vector<double>{1, 0, 1}));
  const auto i8 = read("|i1", std::string("\xff\x7f", 2), 2);
  EXPECT_EQ(a::to_string(i8.header.dtype), "int8");
  EXPECT_EQ(a::to_int64(i8), (std::vector<std::int64_t>{-1, 127}));
  const auto u16be = read(">u2", std::string("\x01\x02", 2), 1);
  EXPECT_EQ(a::to_string(u16be.header.dtype), ">uint16");
  EXPECT_EQ(a::descr(u16be.header.dtype), ">u2");
  EXPECT_EQ(a::to_int64(u16be), std::vector<std::int64_t>{0x0102});
  // uint64 2^64-1: astype(np.int64) wraps to -1, astype(np.float64) rounds to 2^64.
  const auto u64 = read("<u8", std::string(8, '\xff'), 1);
  EXPECT_EQ(a::to_int64(u64), std::vector<std::int64_t>{-1});
  EXPECT_EQ(a::to_float64(u64), std::vector<double>{18446744073709551616.0});
  // float16: 1.0 (0x3c00), -2.5 (0xc100), the smallest subnormal (0x0001), inf (0x7c00).
  const auto f16 = read("<f2", std::string("\x00\x3c\x00\xc1\x01\x00\x00\x7c", 8), 4);
  EXPECT_EQ(a::to_float64(f16), (std::vector<double>{1.0, -2.5, std::ldexp(1.0, -24), INFINITY}));
  const float f32[] = {0.1f, -3.0f};
  const auto f4 = read("<f4", std::string(reinterpret_cast<const char*>(f32), 8), 2);
  EXPECT_EQ(a::to_float64(f4), (std::vector<double>{double(0.1f), -3.0}));
  // float64 big-endian 1.5 = 3f f8 00 .. 00.
  const auto f8be = read(">f8", std::string("\x3f\xf8\0\0\0\0\0\0", 8), 1);
  EXPECT_EQ(a::to_float64(f8be), std::vector<double>{1.5});
  const std::complex<float> c8[] = {{1.5f, -2.0f}};
  const auto c = read("<c8", std::string(reinterpret_cast<const char*>(c8), 8), 1);
  EXPECT_EQ(a::to_complex128(c), (std::vector<std::complex<double>>{{1.5, -2.0}}));
  EXPECT_EQ(a::to_complex128(i8), (std::vector<std::complex<double>>{{-1, 0}, {127, 0}}));
  try {
    (void)a::to_float64(c);
    ADD_FAILURE() << "complex64 read as float64 without an error";
  } catch (const a::NpyError& e) {
    EXPECT_NE(std::string(e.what()).find("complex64 cannot be read as float64"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)a::to_int64(f4), a::NpyError);
}

// Block sizes as numpy.array_split gives them; the table is numpy's output of
//   [len(p) for p in np.array_split(np.arange(n), k)]
TEST(Blocks, SizesAreNumpyArraySplits) {
  const struct {
    std::size_t n, k;
    std::vector<std::size_t> sizes;
  } numpy[] = {{5, 3, {2, 2, 1}},  {10, 4, {3, 3, 2, 2}},  {7, 7, {1, 1, 1, 1, 1, 1, 1}},
               {3, 5, {1, 1, 1, 0, 0}}, {0, 2, {0, 0}}, {100, 7, {15, 15, 14, 14, 14, 14, 14}}};
  for (const auto& c : numpy) {
    const a::Blocks blocks{c.n, c.k};
    std::size_t next = 0;
    for (std::size_t b = 0; b < c.k; ++b) {
      EXPECT_EQ(blocks[b].begin, next) << c.n << " in " << c.k << ", block " << b;
      EXPECT_EQ(blocks[b].size(), c.sizes[b]) << c.n << " in " << c.k << ", block " << b;
      next = blocks[b].end;
    }
    EXPECT_EQ(next, c.n);
    const auto parts = hmp::array_split(std::vector<int>(c.n), c.k);
    for (std::size_t b = 0; b < c.k; ++b) EXPECT_EQ(parts[b].size(), c.sizes[b]);
  }
}

TEST(Records, AppendIsOneWholeLineOwnerOnly) {
  const auto p = temp_path("records.jsonl");
  std::remove(p.c_str());
  nlohmann::json r{{"app", "x"}, {"text", "line\nbreak"}};
  a::append_record(p, r);
  a::append_record(p, r);
  const std::string text = slurp(p);
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(nlohmann::json::parse(line)["text"], "line\nbreak");
    ++n;
  }
  EXPECT_EQ(n, 2);
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::remove(p.c_str());
  EXPECT_THROW(a::append_record("/nonexistent-dir/r.jsonl", r), std::runtime_error);
}

TEST(Records, TimeIsIso8601Utc) {
  const auto t = a::utc_now();
  ASSERT_EQ(t.size(), 32u) << t;
  EXPECT_EQ(t.substr(t.size() - 6), "+00:00");
  EXPECT_EQ(t[10], 'T');
}

TEST(Compare, FirstDifferingItemAndTolerance) {
  const std::vector<double> want{1, 2, 3, 4, 5, 6};
  auto got = want;
  EXPECT_FALSE(a::first_difference(got, want, 2, 2, [](std::size_t) { return 0.0; }));
  got[3] += 1e-12;
  EXPECT_FALSE(a::first_difference(got, want, 2, 2, [](std::size_t) { return 1e-9; }));
  got[5] = std::nan("");
  const auto d = a::first_difference(got, want, 2, 2, [](std::size_t) { return 1e-9; });
  ASSERT_TRUE(d);
  EXPECT_NE(d->find("item 2 (element [0, 1]): got nan, expected 6"), std::string::npos) << *d;
}

TEST(Timing, MinAndMedian) {
  a::Timing t;
  t.seconds = {3, 1, 2, 10};
  EXPECT_EQ(t.min(), 1);
  EXPECT_EQ(t.median(), 2.5);
  t.seconds = {5, 1, 3};
  EXPECT_EQ(t.median(), 3);
}

TEST(Cli, CheckedElements) {
  EXPECT_EQ(a::checked_elements({10, 10, 100000}, "x"), 10000000u);
  EXPECT_THROW(a::checked_elements({std::size_t(1) << 20, std::size_t(1) << 20, 1 << 20}, "x"), a::InputError);
}
