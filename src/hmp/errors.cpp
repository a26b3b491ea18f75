#include <hmp/errors.hpp>

#include <mpi.h>

namespace hmp {

namespace {
std::string mpi_message(const std::string& call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = 0;
  return call + " failed: " + std::string(text, static_cast<std::size_t>(len)) +
         " (code " + std::to_string(code) + ")";
}
// Appends instead of chaining operator+: GCC 12 warns (-Wrestrict, a false
// positive) on "literal" + std::string chains.
std::string describe(const std::string& message, const std::string& type_name, int rank,
                     std::size_t index) {
  std::string out = "task ";
  out.append(std::to_string(index)).append(" failed on rank ").append(std::to_string(rank));
  out.append(": ").append(type_name).append(": ").append(message);
  return out;
}
}  // namespace

MpiError::MpiError(const std::string& call, int code) : Error(mpi_message(call, code)), code_(code) {}

TaskError::TaskError(std::string message, std::string type_name, int rank, std::size_t index)
    : Error(describe(message, type_name, rank, index)),
      message_(std::move(message)),
      type_name_(std::move(type_name)),
      rank_(rank),
      index_(index) {}

}  // namespace hmp
