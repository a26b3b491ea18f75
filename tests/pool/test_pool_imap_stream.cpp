// imap / imap_unordered over hmp::from_root(input_range): root reads the
// input as its results are consumed (Python's imap over a generator).
#include <gtest/gtest.h>
#include <hmp/pool.hpp>

#include "pool_fixture.hpp"

#include <map>
#include <optional>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using hmp_test::pool;

std::string numbers_text(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += std::to_string(i) + " ";
  return s;
}

long square(int x) { return static_cast<long>(x) * x; }

TEST(IMapStream, IstreamInputInOrder) {
  std::istringstream in(numbers_text(1000));  // every rank has one; only root's is read
  std::vector<long> got;
  std::vector<std::size_t> where;
  auto results = pool().imap(square, hmp::from_root(std::views::istream<int>(in)));
  for (auto it = results.begin(); it != results.end(); ++it) {
    got.push_back(*it);
    where.push_back(it.index());
  }
  if (pool().is_root()) {
    ASSERT_EQ(got.size(), 1000u);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_EQ(got[static_cast<std::size_t>(i)], square(i));
      EXPECT_EQ(where[static_cast<std::size_t>(i)], static_cast<std::size_t>(i));
    }
  } else {
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(in.tellg(), std::streampos(0)) << "a worker read its own input";
  }
}

TEST(IMapStream, UnorderedYieldsEveryItemOnce) {
  std::istringstream in(numbers_text(777));
  std::map<std::size_t, long> got;
  auto results = pool().imap_unordered(square, hmp::from_root(std::views::istream<int>(in)), 3);
  for (auto it = results.begin(); it != results.end(); ++it) {
    EXPECT_TRUE(got.emplace(it.index(), *it).second) << "item " << it.index() << " twice";
  }
  if (pool().is_root()) {
    ASSERT_EQ(got.size(), 777u);
    for (const auto& [i, v] : got) EXPECT_EQ(v, square(static_cast<int>(i)));
  } else {
    EXPECT_TRUE(got.empty());
  }
}

TEST(IMapStream, ReadsOnlyAsFarAsConsumedThenStopsEarly) {
  // An endless input: root stops after 100 results; the input must not have
  // been read further than one window (4 x size x chunksize) past them.
  std::size_t reads = 0;
  auto endless = std::views::iota(0) | std::views::transform([&reads](int i) {
                   ++reads;
                   return i;
                 });
  std::size_t taken = 0;
  {
    auto results = pool().imap(square, hmp::from_root(endless), 2);
    for (long v : results) {
      EXPECT_EQ(v, square(static_cast<int>(taken)));
      if (++taken == 100) break;
    }
  }  // destroying the result ends the stream on every rank
  const std::size_t window = 4 * static_cast<std::size_t>(pool().size()) * 2;
  if (pool().is_root()) {
    EXPECT_EQ(taken, 100u);
    EXPECT_LE(reads, 100 + window);
  } else {
    EXPECT_EQ(reads, 0u);
  }
  // The pool is still in step on every rank.
  const auto after = pool().map(square, hmp_test::iota(10));
  if (pool().is_root()) EXPECT_EQ(after[9], 81);
}

TEST(IMapStream, EmptyInput) {
  std::istringstream in("");
  std::size_t n = 0;
  for ([[maybe_unused]] long v : pool().imap(square, hmp::from_root(std::views::istream<int>(in)))) ++n;
  EXPECT_EQ(n, 0u);
}

TEST(IMapStream, TaskErrorOnEveryRankWithTheStreamIndex) {
  std::istringstream in(numbers_text(500));
  auto f = [](int x) -> long {
    if (x == 137) throw std::runtime_error("bad item");
    return square(x);
  };
  std::optional<std::size_t> failed_at;
  std::vector<long> got;
  std::vector<std::size_t> where;
  try {
    auto results = pool().imap(f, hmp::from_root(std::views::istream<int>(in)));
    for (auto it = results.begin(); it != results.end(); ++it) {
      got.push_back(*it);
      where.push_back(it.index());
    }
  } catch (const hmp::TaskError& e) {
    failed_at = e.index();
    EXPECT_EQ(e.message(), "bad item");
  }
  ASSERT_TRUE(failed_at.has_value());
  EXPECT_EQ(*failed_at, 137u);
  for (std::size_t k = 0; k < got.size(); ++k) {  // only computed results, in order
    EXPECT_EQ(where[k], k);
    EXPECT_EQ(got[k], square(static_cast<int>(k)));
  }
  EXPECT_LE(got.size(), 137u);
}

}  // namespace
