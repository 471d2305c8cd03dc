// Fixed-capacity top-k by (distance, key index), ascending: the nearest keys of a trial, mergeable like
// the softmax sums (host and device; raw arrays so that registers, local memory and vectors can hold it).
#pragma once
#include <cstdint>

#include "attnlim/core/common.hpp"

namespace attnlim {

ATTNLIM_HD bool nearer(double ea, std::uint64_t ia, double eb, std::uint64_t ib) {
  return ea < eb || (ea == eb && ia < ib);
}

// Insert (e, index) into the sorted buffer of size `size` and capacity k. Returns true if kept.
ATTNLIM_HD bool topk_insert(double* dist, std::uint64_t* index, int& size, int k, double e, std::uint64_t key) {
  if (k <= 0) return false;
  if (size == k && !nearer(e, key, dist[k - 1], index[k - 1])) return false;
  int pos = size < k ? size++ : k - 1;
  while (pos > 0 && nearer(e, key, dist[pos - 1], index[pos - 1])) {
    dist[pos] = dist[pos - 1];
    index[pos] = index[pos - 1];
    --pos;
  }
  dist[pos] = e;
  index[pos] = key;
  return true;
}

// out <- the k nearest of two sorted buffers (out may not alias a or b).
ATTNLIM_HD int topk_merge(const double* da, const std::uint64_t* ia, int na, const double* db,
                          const std::uint64_t* ib, int nb, int k, double* dout, std::uint64_t* iout) {
  int i = 0, j = 0, n = 0;
  while (n < k && (i < na || j < nb)) {
    const bool take_a = j >= nb || (i < na && nearer(da[i], ia[i], db[j], ib[j]));
    if (take_a) {
      dout[n] = da[i];
      iout[n++] = ia[i++];
    } else {
      dout[n] = db[j];
      iout[n++] = ib[j++];
    }
  }
  return n;
}

}  // namespace attnlim
