"""The parse share of generated Python: texts are cut into complete top-level blocks the way a
reader would, and a block counts when ``ast.parse`` accepts it."""
from plugins.chargen.parse_share import real_windows, share, top_level_blocks

CODE = '''@decorator
def f(x):
    """Doc.

Not a new block: still inside the docstring.
"""
    return x

if x:
    pass
else:
    pass
class C:
    def m(self'''


def test_blocks_keep_decorators_else_branches_and_docstrings_with_their_statement_and_drop_the_cut_last_one():
    blocks = top_level_blocks(CODE)
    assert blocks == ['@decorator\ndef f(x):\n    """Doc.\n\nNot a new block: still inside the docstring.\n"""\n'
                      '    return x\n', "if x:\n    pass\nelse:\n    pass\n"]


def test_share_counts_first_blocks_and_all_complete_blocks():
    good = "def f():\n    return 1\nx = 2\n"
    broken = "def f(:\n    return 1\nx = 2\ny = 3\n"
    cut = "def f():\n    return (1 +"
    result = share([good, broken, cut])
    assert result["texts"] == 3
    assert result["first_block_parses"] == round(1 / 3, 4)  # only `good`'s first block parses
    assert result["first_block_complete"] == round(2 / 3, 4)  # `cut` has no complete block
    assert result["blocks"] == 3 and result["blocks_parse"] == round(2 / 3, 4)  # f, f(: and x = 2


def test_real_windows_start_at_the_prime_and_are_as_long_as_a_sample():
    code = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(50))
    windows = real_windows(code, "def ", 30, 5)
    assert len(windows) == 5 and all(w.startswith("def f") and len(w) == 34 for w in windows)
    assert windows == real_windows(code, "def ", 30, 5)  # a fixed seed
