"""The command line imports a command's module only when that command runs.

Timings live in benchmarks/bench_cli.py; these tests check what is imported and that the lazy
listing says the same as the full parser.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from oos_analysis.cli import COMMANDS, build_parser, main


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from oos_analysis.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split("\n")[-2].split())


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_help_imports_no_command_module_nor_pandas():
    loaded = _modules_after("--help")
    assert not {"pandas", "numpy", "pyarrow"} & loaded
    assert not {f"oos_analysis.cli.{module}" for module, _ in COMMANDS.values()} & loaded


def test_simulate_help_imports_only_the_simulate_module():
    loaded = _modules_after("simulate", "--help")
    assert "oos_analysis.cli.simulate" in loaded
    assert not {"pandas", "numpy", "pyarrow", "oos_analysis.store", "oos_analysis.sample",
                "oos_analysis.forecast.simulation", "oos_analysis.cli.check"} & loaded


def test_lazy_listing_matches_the_full_parser():
    full = _subparsers(build_parser())
    lazy = _subparsers(build_parser(only=None))
    assert list(full.choices) == list(COMMANDS) == list(lazy.choices)
    full_help = {a.dest: a.help for a in full._choices_actions}
    lazy_help = {a.dest: a.help for a in lazy._choices_actions}
    assert full_help == lazy_help == {name: help_ for name, (_, help_) in COMMANDS.items()}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_alone_builds_the_same_arguments(name):
    def options(parser):
        sub = _subparsers(parser).choices[name]
        return [(a.dest, tuple(a.option_strings), a.default, a.help) for a in sub._actions]

    assert options(build_parser(only=name)) == options(build_parser())


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["no-such-command"])
    assert stop.value.code == 2
    assert "invalid choice: 'no-such-command'" in capsys.readouterr().err


def test_no_command_prints_the_listing(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_help_imports_no_pandas(name):
    """`oos-analysis COMMAND --help` only declares arguments: no pandas, numpy or pyarrow.

    ``sample`` takes its defaults from the generator's package, which needs numpy (0.17 s)."""
    loaded = _modules_after(name, "--help")
    assert f"oos_analysis.cli.{COMMANDS[name][0]}" in loaded
    assert not ({"pandas", "pyarrow"} | ({"numpy"} if name != "sample" else set())) & loaded


def test_thresholds_written_out_for_help_equal_the_metric():
    from oos_analysis.cli import backtest, rate
    from oos_analysis.metric.rate import DEFAULT_THRESHOLD

    assert rate.THRESHOLD == backtest._THRESHOLD == DEFAULT_THRESHOLD
