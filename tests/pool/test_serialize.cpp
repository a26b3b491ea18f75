// Values to bytes and back (hmp/codec.hpp, serialize.hpp, serialize_eigen.hpp), without MPI: the raw paths
// (trivially copyable types, fixed-size Eigen matrices, dynamic Eigen
// matrices of numbers) and the cereal path give back what was packed, and a
// short or malformed message is an error, not a read past its end.
#include <gtest/gtest.h>
#include <hmp/serialize_eigen.hpp>

#include <Eigen/Core>

#include <array>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using hmp::detail::pack;
using hmp::detail::unpack;

template <class T>
std::vector<T> round_trip(const std::vector<T>& values, std::size_t* bytes = nullptr) {
  std::vector<std::byte> buffer{std::byte{0x5a}};  // something before: pack appends
  pack(buffer, std::span<const T>(values));
  std::vector<T> back(values.size());
  const auto used = unpack(std::span<const std::byte>(buffer).subspan(1), std::span<T>(back));
  EXPECT_EQ(used, buffer.size() - 1) << "unpack reads exactly what pack wrote";
  if (bytes) *bytes = buffer.size() - 1;
  return back;
}

struct Plain {
  std::int32_t id;
  double x;
  std::array<float, 3> v;
  bool operator==(const Plain&) const = default;
};

using Fixed = Eigen::Matrix<double, 10, 10, Eigen::RowMajor>;
using Dynamic = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Fixed numbered(int k) {
  Fixed m;
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = k * 1000.0 + static_cast<double>(i) + 0.25;
  return m;
}

TEST(Serialize, TriviallyCopyableTravelsAsItsBytes) {
  std::vector<Plain> in;
  for (int k = 0; k < 37; ++k) in.push_back({k, k * 0.5, {1.0f * k, -2.0f, 3.5f}});
  std::size_t bytes = 0;
  EXPECT_EQ(round_trip(in, &bytes), in);
  EXPECT_EQ(bytes, in.size() * sizeof(Plain));
  const std::vector<std::complex<double>> c{{1, 2}, {-3, 4.5}};
  EXPECT_EQ(round_trip(c), c);
  EXPECT_TRUE(round_trip(std::vector<double>{}).empty());
}

TEST(Serialize, FixedSizeEigenTravelsAsItsCoefficients) {
  static_assert(hmp::detail::raw_value<Fixed>);
  static_assert(hmp::detail::raw_value<Eigen::Matrix2d>);
  static_assert(hmp::detail::raw_value<Eigen::Array<float, 3, 1>>);
  static_assert(!hmp::detail::raw_value<Dynamic>);
  std::vector<Fixed> in;
  for (int k = 0; k < 25; ++k) in.push_back(numbered(k));
  std::size_t bytes = 0;
  const auto back = round_trip(in, &bytes);
  EXPECT_EQ(bytes, in.size() * 100 * sizeof(double)) << "no shape, no archive: the coefficients only";
  ASSERT_EQ(back.size(), in.size());
  for (std::size_t k = 0; k < in.size(); ++k) EXPECT_EQ(back[k], in[k]) << "matrix " << k;
  const std::vector<Eigen::Matrix3f> small{Eigen::Matrix3f::Identity(), Eigen::Matrix3f::Constant(-1.5f)};
  const auto small_back = round_trip(small);
  EXPECT_EQ(small_back[0], small[0]);
  EXPECT_EQ(small_back[1], small[1]);
}

TEST(Serialize, DynamicEigenTravelsAsShapeAndCoefficients) {
  static_assert(hmp::detail::raw_matrix<Dynamic>);
  static_assert(hmp::detail::raw_matrix<Eigen::VectorXi>);
  std::vector<Dynamic> in;
  for (int k = 0; k < 9; ++k) {
    Dynamic m(k % 4, 1 + k % 3);  // shapes differ, some empty
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = -k + 0.5 * static_cast<double>(i);
    in.push_back(m);
  }
  std::size_t bytes = 0;
  const auto back = round_trip(in, &bytes);
  std::size_t want_bytes = 0;
  for (const auto& m : in) want_bytes += 16 + static_cast<std::size_t>(m.size()) * sizeof(double);
  EXPECT_EQ(bytes, want_bytes);
  ASSERT_EQ(back.size(), in.size());
  for (std::size_t k = 0; k < in.size(); ++k) {
    ASSERT_EQ(back[k].rows(), in[k].rows());
    ASSERT_EQ(back[k].cols(), in[k].cols());
    EXPECT_EQ(back[k], in[k]) << "matrix " << k;
  }
}

TEST(Serialize, RawMatrixBytesAreCerealsBytes) {
  // The raw path writes what cereal writes for an Eigen matrix, so either
  // side of an older and a newer build reads the other.
  Dynamic m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  std::vector<std::byte> raw;
  pack(raw, std::span<const Dynamic>(&m, 1));
  std::vector<std::byte> archived;
  {
    hmp::detail::ByteSink sink(archived);
    hmp::detail::SinkStream stream(sink);
    cereal::BinaryOutputArchive ar(stream.get());
    ar(m);
  }
  EXPECT_EQ(raw, archived);
}

TEST(Serialize, CerealTypesStillRoundTrip) {
  const std::vector<std::string> s{"", "a", std::string(300, 'x')};
  EXPECT_EQ(round_trip(s), s);
  const std::vector<std::vector<Eigen::Matrix2d>> nested{{Eigen::Matrix2d::Identity()}, {}};
  const auto back = round_trip(nested);
  ASSERT_EQ(back.size(), 2u);
  ASSERT_EQ(back[0].size(), 1u);
  EXPECT_EQ(back[0][0], Eigen::Matrix2d::Identity());
  EXPECT_TRUE(back[1].empty());
}

TEST(Serialize, ShortOrMalformedMessagesThrow) {
  std::vector<Fixed> in{numbered(1), numbered(2)};
  std::vector<std::byte> bytes;
  pack(bytes, std::span<const Fixed>(in));
  std::vector<Fixed> out(2);
  EXPECT_THROW(unpack(std::span<const std::byte>(bytes).first(bytes.size() - 1), std::span<Fixed>(out)), hmp::Error);

  Dynamic m = Dynamic::Constant(4, 4, 2.0);
  std::vector<std::byte> d;
  pack(d, std::span<const Dynamic>(&m, 1));
  Dynamic back;
  EXPECT_THROW(unpack(std::span<const std::byte>(d).first(d.size() - 8), std::span<Dynamic>(&back, 1)), hmp::Error);
  EXPECT_THROW(unpack(std::span<const std::byte>(d).first(10), std::span<Dynamic>(&back, 1)), hmp::Error);
  const std::int64_t huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};  // rows x cols overflows: still refused
  std::memcpy(d.data(), huge, sizeof huge);
  EXPECT_THROW(unpack(std::span<const std::byte>(d), std::span<Dynamic>(&back, 1)), hmp::Error);
  const std::int64_t negative[2] = {-1, 4};
  std::memcpy(d.data(), negative, sizeof negative);
  EXPECT_THROW(unpack(std::span<const std::byte>(d), std::span<Dynamic>(&back, 1)), hmp::Error);
  // A 4x4 message cannot fill a matrix with 3 rows at compile time.
  Eigen::Matrix<double, 3, Eigen::Dynamic> three;
  d.clear();
  pack(d, std::span<const Dynamic>(&m, 1));
  EXPECT_THROW(unpack(std::span<const std::byte>(d), std::span<decltype(three)>(&three, 1)), hmp::Error);
}

}  // namespace
