"""course_lib.sampling_checks: lesson 06's sweeps hold, report sentences, and refuse bad input."""

from __future__ import annotations

import pytest

from course_lib import sampling_checks as sc
from course_lib.sweeps import Sweep


@pytest.mark.parametrize("check", [
    sc.strided_is_decimated_convolution, sc.transposed_is_upsampled_convolution, sc.repeat_then_kernel,
    sc.noble_identities, sc.polyphase_equals_transposed, sc.interleaved_phases, sc.subpixel_crop,
    sc.chain_keeps_phase_zero,
])
def test_every_sweep_holds_and_reads_as_a_sentence(check):
    sweep = check()
    assert isinstance(sweep, Sweep) and sweep.holds and sweep.cases > 0
    text = str(sweep)
    assert text.startswith("Checked on ") and "Sweep(" not in text and text.endswith(".")


def test_unpadded_phases_skip_strides_larger_than_the_kernel():
    sweep = sc.interleaved_phases(padded=False, strides=(2, 3), kernel_lengths=range(1, 8), lengths=range(1, 6))
    assert sweep.holds and sweep.cases == 55 and "3 settings with s > k" in str(sweep)


def test_subpixel_crop_counts_the_crops_past_the_end():
    sweep = sc.subpixel_crop()
    assert sweep.counts == {"equal": 136, "past the end": 14} and sweep.cases == 150
    assert "runs past the end" in str(sweep)


def test_counts_match_the_settings():
    assert sc.noble_identities().cases == 2 * 2 * 4            # two identities, M = 2, 3, lengths 1-4
    assert sc.chain_keeps_phase_zero().cases == 2 * 5
    assert sc.strided_is_decimated_convolution().cases == sum(3 * (10 - k) for k in range(1, 5))


@pytest.mark.parametrize("call, error, match", [
    (lambda: sc.strided_is_decimated_convolution(strides=()), ValueError, "strides"),
    (lambda: sc.strided_is_decimated_convolution(max_length=0), ValueError, "max_length"),
    (lambda: sc.transposed_is_upsampled_convolution(lengths="12"), TypeError, "lengths"),
    (lambda: sc.noble_identities(factors=(0,)), ValueError, "factors"),
    (lambda: sc.repeat_then_kernel(kernel_lengths=(1.5,)), TypeError, "kernel_lengths"),
    (lambda: sc.interleaved_phases(padded="yes"), TypeError, "padded"),
    (lambda: sc.subpixel_crop(n=0), ValueError, "n"),
    (lambda: sc.subpixel_crop(channel_pairs=((1, 2, 3),)), ValueError, "channel_pairs"),
    (lambda: sc.subpixel_crop(channel_pairs=()), ValueError, "channel_pairs"),
])
def test_bad_input_raises_naming_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()
