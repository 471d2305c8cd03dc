// Closed-form and exact-limit predictions of THEORY.md, computed on the host with Boost.Math: every
// theory header at once.
#pragma once
#include "attnlim/theory/critical.hpp"
#include "attnlim/theory/distance.hpp"
#include "attnlim/theory/heat.hpp"
#include "attnlim/theory/local_law.hpp"
#include "attnlim/theory/log_n.hpp"
#include "attnlim/theory/subcritical.hpp"
