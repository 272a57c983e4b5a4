"""The command line's examples and exit codes: one text, shown by --help and
written into the template's instructions."""
from __future__ import annotations

EPILOG = """\
examples:
  python run.py --budget 2000
  python run.py --input my.xlsx --budget 1500 --output outputs/my_run.xlsx
  python run.py --budget 2000 --sweep 0:6000:500    # + Frontier sheet and chart
  python run.py --budget 2000 --alternatives 5      # + the 5 next-best portfolios
  python run.py --budget 2000 --switching-values    # + the capex at which each project
                                                    #   left out would enter
  python run.py --budget 2000 --scenarios 200 --robust
                                                    # + 200 draws from the Uncertainty
                                                    #   sheet on Dask, and the robust
                                                    #   portfolio over them
  python run.py --input my.xlsx --validate-only     # check the workbook, no solve
  python run.py --make-template my_network.xlsx     # an empty input workbook

exit status: 0 solved (optimal, or a portfolio within the time limit);
2 input errors (all listed, with sheet, row and column; also written to a
*_problems.xlsx beside the report) or an output that cannot be written;
3 infeasible (e.g. must_do projects cost more than the budget);
4 the solver failed or found no portfolio in time, or scenario draws could
not all be computed (the report names them); 1 internal error (the
traceback goes to a log file under outputs/). The input is never written to.
--validate-only exits 0 (clean, warnings allowed), 2 or 3 as above;
--make-template exits 0, or 2 when the file cannot be written.
"""
