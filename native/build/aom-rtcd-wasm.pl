#!/usr/bin/env perl
# Rebinds libaom's generated *_rtcd.h headers (rtcd.pl --arch=x86_64 with CONFIG_RUNTIME_CPU_DETECT=0: one
# `#define fn fn_<best>` per function) to the x86 intrinsics kernels that our WebAssembly SIMD build really has
# (native/build/aom-simd.sh). Used by native/build/avif.sh; not run on its own.
#
#   aom-rtcd-wasm.pl [--closure] [--report=FILE] HEADER... -- OBJECT...
#
# A variant fn_<arch> is usable when one of OBJECT defines it as a global function and, with --closure, nothing it
# calls (transitively, through the call and function-pointer relocations llvm-objdump shows) is a missing
# fn_<arch>: the asm-only (NASM) kernels, which we cannot build, and helpers only they define. Each `#define fn X`
# becomes the best usable of fn_sse4_1, fn_ssse3, fn_sse3, fn_sse2 that the header declares, else fn_c. The
# RTCD_C part (setup_rtcd_internal) no longer includes aom_ports/x86.h nor calls cpuid: every binding is direct.
# Dead functions that still call a missing kernel stay in the objects; the module is linked with --gc-sections,
# which drops them before wasm-ld looks for their callees.
use strict;
use warnings;

my $objdump = $ENV{LLVM_OBJDUMP} // 'llvm-objdump-16';
my $nm = $ENV{LLVM_NM} // 'llvm-nm-16';
my ($closure, $report) = (0, undef);
my (@headers, @objects);
my $seen_sep = 0;
for (@ARGV) {
  if ($_ eq '--') { $seen_sep = 1; next; }
  if (/^--closure$/) { $closure = 1; next; }
  if (/^--report=(.+)$/) { $report = $1; next; }
  push @{ $seen_sep ? \@objects : \@headers }, $_;
}
die "usage: $0 [--closure] [--report=FILE] HEADER... -- OBJECT...\n" unless @headers && @objects;

my $ARCH = qr/(?:mmx|sse|sse2|sse3|ssse3|sse4_1|sse4_2|avx|avx2)/;
my @BEST = qw(sse4_1 ssse3 sse3 sse2);

my %global;    # global function name => object
my %calls;     # qualified function ("obj\0name" for statics, "name" for globals) => [callee names as written]
my %local;     # "obj\0name" => 1
for my $obj (sort @objects) {
  open my $n, '-|', $nm, '--defined-only', $obj or die "$nm $obj: $!\n";
  while (<$n>) {
    my (undef, $type, $name) = split ' ';
    next unless defined $name;
    if ($type eq 'T') { $global{$name} = $obj; }
    elsif ($type eq 't') { $local{"$obj\0$name"} = 1; }
  }
  close $n or die "$nm $obj failed\n";
  next unless $closure;
  open my $d, '-|', $objdump, '-d', '-r', $obj or die "$objdump $obj: $!\n";
  my $fn;
  while (<$d>) {
    if (/^[0-9a-f]+ <([^>]+)>:$/) {
      $fn = $local{"$obj\0$1"} ? "$obj\0$1" : $1;
      $calls{$fn} //= [];
    } elsif ($fn && /R_WASM_(?:FUNCTION_INDEX_LEB|TABLE_INDEX_SLEB|TABLE_INDEX_I32|FUNCTION_INDEX_I32)\s+(\S+?)(?:\+\d+)?$/) {
      my $callee = $local{"$obj\0$1"} ? "$obj\0$1" : $1;
      push @{ $calls{$fn} }, $callee;
    }
  }
  close $d or die "$objdump $obj failed\n";
}

# Bad: a missing variant, or anything that reaches one. Iterated to a fixpoint (bounded by the number of functions).
my %bad;
if ($closure) {
  my $changed = 1;
  my $rounds = 0;
  while ($changed) {
    die "no fixpoint\n" if ++$rounds > keys(%calls) + 2;
    $changed = 0;
    for my $fn (keys %calls) {
      next if $bad{$fn};
      for my $c (@{ $calls{$fn} }) {
        my $missing = $c =~ /_$ARCH$/ && $c !~ /\0/ && !exists $global{$c};
        if ($missing || $bad{$c}) { $bad{$fn} = 1; $changed = 1; last; }
      }
    }
  }
}
sub usable { my $f = shift; return exists $global{$f} && !$bad{$f}; }

my %count;
my @lines;
# The best usable variant of $fn that the header declares, else its C version; other #defines stay as they are.
my %declared;
sub rebind {
  my ($fn, $old) = @_;
  return $old unless $old =~ /^\Q$fn\E_(?:c|$ARCH)$/;
  my $new = "${fn}_c";
  for my $arch (@BEST) {
    my $v = "${fn}_$arch";
    if ($declared{$v} && usable($v)) { $new = $v; last; }
  }
  my ($arch) = $new =~ /_(c|$ARCH)$/;
  $count{$arch}++;
  push @lines, "$fn $new" . ($new ne $old ? " (rtcd: $old)" : "");
  return $new;
}
for my $h (@headers) {
  local $/;
  open my $in, '<', $h or die "$h: $!\n";
  my $text = <$in>;
  close $in;
  %declared = map { $_ => 1 } $text =~ /\b(\w+)\(/g;
  $text =~ s{^#define (\w+) (\w+)$}{"#define $1 " . rebind($1, $2)}gme;
  $text =~ s{^#include "aom_ports/x86.h"$}{/* no cpuid: aom-rtcd-wasm.pl bound every function directly */}m;
  $text =~ s{int flags = x86_simd_caps\(\);}{int flags = 0;};
  die "$h: setup_rtcd_internal still assigns a function pointer\n" if $text =~ /^RTCD_EXTERN .*\(\*\w+\)\(/m;
  open my $out, '>', "$h.tmp" or die "$h.tmp: $!\n";
  print $out $text;
  close $out or die "$h.tmp: $!\n";
  rename "$h.tmp", $h or die "$h: $!\n";
}
if ($report) {
  open my $r, '>', $report or die "$report: $!\n";
  print $r "$_\n" for sort @lines;
  close $r;
}
print STDERR join(', ', map { "$_ $count{$_}" } sort keys %count), ($closure ? sprintf(' (%d functions excluded as reaching asm-only kernels)', scalar grep { !/\0/ } keys %bad) : ''), "\n";
