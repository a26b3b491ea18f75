// Included first in the simulated build's apps (-DHMP_SMPI=ON): SimGrid's
// smpicxx defines exit(x) as a macro, which breaks CLI11's App::exit
// member. An app's exit on bad input then ends the whole simulation, with
// the same code.
#undef exit
