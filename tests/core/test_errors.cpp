// Errors name fields in the library's words and flags on the command line (DESIGN.md conventions).
#include <gtest/gtest.h>

#include "attnlim/core/errors.hpp"

using attnlim::field_flag;
using attnlim::field_ref;
using attnlim::InputError;

TEST(InputError, FieldInTheLibraryFlagOnTheCommandLine) {
  const InputError e("n_min", "must not exceed " + field_ref("n_max") + " (got 10 > 5)");
  EXPECT_EQ(e.field(), "n_min");
  EXPECT_STREQ(e.what(), "n_min: must not exceed n_max (got 10 > 5)");
  EXPECT_EQ(e.problem(), "must not exceed n_max (got 10 > 5)");
  EXPECT_EQ(e.for_command_line(), "--n-min: must not exceed --n-max (got 10 > 5)");
  EXPECT_EQ(field_flag("top_k"), "--top-k");
  EXPECT_EQ(field_flag("d"), "--d");
  // Text without references is left alone, underscores included.
  EXPECT_EQ(InputError("keys", "unknown model 'a_b'").for_command_line(), "--keys: unknown model 'a_b'");
}
