"""A person uses the app in a real browser (Debian Chromium driven by Playwright): the overview,
every tab's controls, errors and notices as a visitor sees them, and the layout on a phone.

With ``ZOO_SCREENSHOTS=1`` the tests also rewrite the README's pictures in docs/screenshots/."""
import os

import pytest
from helpers import ROOT, chromium_path

CHROMIUM = chromium_path()
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="no Chromium here (CI installs it)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is required in CI (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page of the app for every test: no test sees another's tab, checkpoint or sliders."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app_url)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """The README's picture of a tab, when asked for (ZOO_SCREENSHOTS=1)."""
    if os.environ.get("ZOO_SCREENSHOTS"):
        (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(1500)  # let the outputs' pending fade finish
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"), full_page=True)


def open_tab(page, name: str) -> None:
    page.click(f"#tab-{name}-button")


def shown_error(page, task: str):
    """The error under a tab, as the visitor sees it: a red-bordered quote."""
    return page.locator(f"#{task}-notice blockquote")


def red(locator) -> bool:
    color = locator.evaluate("e => getComputedStyle(e).borderLeftColor")  # rgb(220, 38, 38)
    r, g, b = (int(v) for v in color[color.index("(") + 1:].rstrip(")").split(",")[:3])
    return r > 150 and g < 100 and b < 100


# -- the overview --------------------------------------------------------------------------------

def test_the_overview_comes_first_and_lists_every_checkpoint_with_its_test_figures(page):
    from zoo.plugins import registry

    tabs = page.locator("button[role=tab]")
    assert tabs.first.inner_text() == "Overview"
    assert [tabs.nth(i).inner_text() for i in range(1, 5)] == ["Sentiment", "Text generation", "Translation",
                                                               "Forecasting"]
    table = page.locator("#overview-table")
    reg = registry()
    n_checkpoints = sum(map(len, reg.checkpoints.values()))
    table.get_by_text(f"4 tasks, {n_checkpoints} checkpoints").wait_for(timeout=10_000)
    for ckpt in (c for checkpoints in reg.checkpoints.values() for c in checkpoints):
        row = table.locator("tr", has_text=ckpt.revision[:12])
        assert row.count() == 1, ckpt.id
        text = row.inner_text()
        assert ckpt.repo_id in text and "vs " in text  # figures beside their baselines
    assert "0.8223" in table.inner_text() and "vader" in table.inner_text() and "apache-2.0" in table.inner_text()
    # Headers stay on one line and no word of a cell is cut in two ("licen ce", "compet ition"); a line
    # may break after a hyphen or a slash.
    broken = page.evaluate("""() => [...document.querySelectorAll('#overview-table th, #overview-table td')]
        .filter(cell => cell.tagName === 'TH' ? lines(cell) > 1 : [...cell.querySelectorAll('*'), cell]
            .some(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim().split(/[\\s\\/@-]+/)
                .some(word => word.length > 1 && splits(n, word))))).map(cell => cell.innerText.slice(0, 40));
        function lines(el) { const r = document.createRange(); r.selectNodeContents(el);
            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }
        function splits(node, word) { const i = node.textContent.indexOf(word), r = document.createRange();
            r.setStart(node, i); r.setEnd(node, i + word.length);
            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; }""")
    assert not broken, broken
    # Any checkpoint's full card is a click away.
    page.click("#overview-card-pick input")
    page.get_by_role("option", name="Translation: en-es-noattn").click()
    # The picked card replaces the first one (every card has a Limitations section: wait for this one's words).
    page.locator("#overview-card").get_by_text("attention-free").first.wait_for(timeout=10_000)
    assert "Sentiment biLSTM" not in page.locator("#overview-card").inner_text()
    screenshot(page, "overview")


def test_the_overview_says_where_a_model_was_loaded_from_once_it_is_used(page):
    open_tab(page, "sentiment")
    page.fill("#sentiment-input textarea", "A fine film.")
    page.click("#sentiment-submit")
    page.locator("#sentiment-label [data-testid=label-output-value]").wait_for(timeout=30_000)
    open_tab(page, "overview")
    from zoo.plugins import registry

    default = registry().default_checkpoint("sentiment")
    row = page.locator("#overview-table tr", has_text=default.revision[:12])
    row.get_by_text("bundled (cpu)").wait_for(timeout=10_000)


def test_each_tab_shows_the_card_of_the_selected_checkpoint(page):
    open_tab(page, "chargen")
    page.click("#chargen-card-box button")
    card = page.locator("#chargen-card")
    card.get_by_text("Character LSTM, King James Bible").wait_for(timeout=10_000)
    page.click("#chargen-checkpoint input")
    page.get_by_role("option", name="python: Python standard library source (2x256)").click()
    card.get_by_text("Character LSTM, Python standard library").wait_for(timeout=10_000)


# -- sentiment -----------------------------------------------------------------------------------

def test_type_a_sentence_and_see_the_verdict_and_the_words_that_drove_it(page):
    open_tab(page, "sentiment")
    page.fill("#sentiment-input textarea", "A funny, tender and beautifully acted film.")
    page.click("#sentiment-submit")
    verdict = page.locator("#sentiment-label [data-testid=label-output-value]")
    verdict.get_by_text("positive", exact=True).wait_for(timeout=30_000)
    highlight = page.locator("#sentiment-highlight")
    highlight.get_by_text("beautifully").first.wait_for(timeout=10_000)
    screenshot(page, "sentiment")


def test_an_error_is_red_where_the_visitor_looks_and_goes_when_the_input_changes(page):
    open_tab(page, "sentiment")
    page.fill("#sentiment-input textarea", "   ")
    page.click("#sentiment-submit")
    error = shown_error(page, "sentiment")
    error.get_by_text("empty").wait_for(timeout=30_000)
    assert red(error) and error.is_visible() and error.bounding_box()["y"] < 900  # in view
    page.fill("#sentiment-input textarea", "A dreary, lifeless film.")
    error.wait_for(state="detached", timeout=5_000)  # gone as soon as the input changes
    page.click("#sentiment-submit")
    page.locator("#sentiment-label [data-testid=label-output-value]").get_by_text(
        "negative", exact=True).wait_for(timeout=30_000)
    assert shown_error(page, "sentiment").count() == 0


def test_gibberish_gets_a_caution_that_looks_unlike_an_error(page):
    open_tab(page, "sentiment")
    page.fill("#sentiment-input textarea", "asdkj qwpeo zmxnc vbwer")
    page.click("#sentiment-submit")
    caution = page.locator("#sentiment-notice li")
    caution.get_by_text("caution").wait_for(timeout=30_000)
    assert shown_error(page, "sentiment").count() == 0 and not red(page.locator("#sentiment-notice ul"))


def test_examples_shift_enter_and_checkpoint_changes_all_run_the_model(page):
    open_tab(page, "sentiment")
    verdict = page.locator("#sentiment-label [data-testid=label-output-value]")
    page.get_by_text("The plot is thin, the jokes fall flat").first.click()
    verdict.get_by_text("negative", exact=True).wait_for(timeout=30_000)
    page.fill("#sentiment-input textarea", "A joyous, wise and wonderful film.")
    page.press("#sentiment-input textarea", "Shift+Enter")
    verdict.get_by_text("positive", exact=True).wait_for(timeout=30_000)
    words = page.locator("#sentiment-highlight")
    words.get_by_text("joy", exact=True).wait_for(timeout=10_000)  # the default model reads word pieces
    page.click("#sentiment-checkpoint input")
    page.get_by_role("option", name="rt-bilstm: embeddings learned from scratch").click()
    words.get_by_text("joyous", exact=True).wait_for(timeout=30_000)  # the other model reads whole words
    verdict.get_by_text("positive", exact=True).wait_for(timeout=30_000)


# -- text generation -----------------------------------------------------------------------------

def test_generated_text_streams_in_and_stop_ends_it_and_says_so(page):
    open_tab(page, "chargen")
    output = page.locator("#chargen-output textarea")
    page.fill("#chargen-input textarea", "In the beginning")
    page.click("#chargen-submit")
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.length > 100", timeout=30_000)
    assert output.input_value().startswith("In the beginning")
    # The run ends at its 400 characters.
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.length >= 416", timeout=30_000)
    # A long run: the text grows in several updates, then Stop ends it early.
    page.fill("input[aria-label='number input for max_new_chars']", "10000")
    page.press("input[aria-label='number input for max_new_chars']", "Enter")
    page.fill("#chargen-input textarea", "And God said")
    page.click("#chargen-submit")
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.startsWith('And God said')"
                           " && document.querySelector('#chargen-output textarea').value.length > 40", timeout=30_000)
    first = len(output.input_value())
    page.wait_for_function(f"document.querySelector('#chargen-output textarea').value.length > {first}", timeout=30_000)
    page.click("#chargen-stop")
    page.locator("#chargen-notice li").get_by_text("before you pressed Stop").wait_for(timeout=10_000)
    stopped = output.input_value()
    page.wait_for_timeout(1000)
    assert output.input_value() == stopped  # nothing arrives after Stop
    assert len(stopped) < len("And God said") + 10_000
    assert page.get_by_text("Error", exact=True).count() == 0  # a stop is not an error


def test_generate_while_a_stream_runs_stops_it_and_starts_the_new_prime(page):
    open_tab(page, "chargen")
    output = page.locator("#chargen-output textarea")
    page.fill("input[aria-label='number input for max_new_chars']", "10000")
    page.press("input[aria-label='number input for max_new_chars']", "Enter")
    page.fill("#chargen-input textarea", "In the beginning")
    page.click("#chargen-submit")
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.length > 60", timeout=30_000)
    page.fill("#chargen-input textarea", "And God said")
    page.click("#chargen-submit")  # mid-stream: the first run stops, the second starts from the new prime
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.startsWith('And God said')"
                           " && document.querySelector('#chargen-output textarea').value.length > 40", timeout=30_000)
    page.click("#chargen-stop")
    page.locator("#chargen-notice li").get_by_text("before you pressed Stop").wait_for(timeout=10_000)
    assert output.input_value().startswith("And God said")
    assert page.get_by_text("Error", exact=True).count() == 0


def test_an_example_runs_on_the_checkpoint_it_belongs_to(page):
    open_tab(page, "chargen")
    page.get_by_text("def read_config(path):").first.click()
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.length > 200", timeout=30_000)
    assert page.locator("#chargen-checkpoint input").input_value().startswith("python")
    assert page.locator("#chargen-output textarea").input_value().startswith("def read_config(path):")
    screenshot(page, "chargen")


def test_the_sliders_span_the_api_and_a_typed_value_outside_says_what_is_used(page):
    open_tab(page, "chargen")
    p = {x.name: x for x in __import__("zoo").pipelines.registry().task("chargen").params}
    for label, name in [("temperature", "temperature"), ("top_k (0: off)", "top_k"), ("max_new_chars", "max_new_chars")]:
        box = page.locator(f"input[aria-label='number input for {label}']")
        assert float(box.get_attribute("max")) == p[name].max and float(box.get_attribute("min")) == p[name].min
    box = page.locator("input[aria-label='number input for top_k (0: off)']")
    box.fill("5000")
    box.press("Enter")
    page.get_by_text("5000 is above the maximum: 1000 is used.").wait_for(timeout=5_000)
    assert box.input_value() == "1000"
    # Greedy (temperature 0) with the same seed writes the same text twice.
    page.fill("input[aria-label='number input for temperature']", "0")
    page.press("input[aria-label='number input for temperature']", "Enter")
    page.fill("input[aria-label='number input for max_new_chars']", "60")
    page.press("input[aria-label='number input for max_new_chars']", "Enter")
    texts = []
    for prime in ["And the LORD said", "In the", "And the LORD said"]:  # the middle run tells the two apart
        page.fill("#chargen-input textarea", prime)
        page.click("#chargen-submit")
        page.wait_for_function("p => { const v = document.querySelector('#chargen-output textarea').value;"
                               " return v.startsWith(p) && v.length === p.length + 60; }", arg=prime, timeout=30_000)
        texts.append(page.locator("#chargen-output textarea").input_value())
    assert texts[0] == texts[2] and texts[1].startswith("In the")


def test_a_seed_typed_outside_its_range_is_the_bound_it_says_it_uses(page):
    import zoo

    prime = "In the beginning"
    expected = zoo.pipeline("chargen")(prime, max_new_chars=80, seed=2147483647)["text"]
    open_tab(page, "chargen")
    page.fill("#chargen-input textarea", prime)
    seed = page.get_by_label("seed (-1: random)")
    seed.fill("99999999999")
    seed.press("Tab")
    page.get_by_text("99999999999 is above the maximum: 2147483647 is used.").wait_for(timeout=5_000)
    page.fill("input[aria-label='number input for max_new_chars']", "80")
    page.press("input[aria-label='number input for max_new_chars']", "Enter")
    page.click("#chargen-submit")
    page.wait_for_function("t => document.querySelector('#chargen-output textarea').value === t", arg=expected,
                           timeout=30_000)
    assert page.get_by_text("Error", exact=True).count() == 0


def test_stop_at_and_the_seed_give_the_text_python_gives(page):
    import zoo

    prime = "And the LORD said unto Moses,"
    expected = zoo.pipeline("chargen")(prime, stop=":", max_new_chars=2000, seed=1)["text"]
    assert len(expected) < len(prime) + 2000  # it stopped at the first ':' (which is not kept)
    open_tab(page, "chargen")
    page.fill("#chargen-input textarea", prime)
    page.get_by_label("stop at").fill(":")
    page.get_by_label("seed (-1: random)").fill("1")
    page.fill("input[aria-label='number input for max_new_chars']", "2000")
    page.press("input[aria-label='number input for max_new_chars']", "Enter")
    page.click("#chargen-submit")
    page.wait_for_function("t => document.querySelector('#chargen-output textarea').value === t", arg=expected,
                           timeout=30_000)


# -- translation ---------------------------------------------------------------------------------

def test_a_translation_comes_with_an_attention_map_for_each_sentence(page):
    open_tab(page, "translation")
    page.fill("#translation-input textarea",
              "And the king said unto his servants, Go and bring me bread. Then they went out.")
    page.click("#translation-submit")
    page.wait_for_function("document.querySelector('#translation-output textarea').value.length > 10",
                           timeout=60_000)
    assert page.locator("#translation-output textarea").input_value().startswith("Y ")
    heatmap = page.locator("#translation-attention img")
    heatmap.wait_for(timeout=30_000)
    first = heatmap.get_attribute("src")
    assert heatmap.bounding_box()["width"] > 200  # drawn large enough to read
    screenshot(page, "translation")
    # The second sentence's map is drawn from the result on the page: a different picture.
    page.click("#translation-sentence input")
    page.get_by_role("option", name="2. Then they went out.").click()
    page.wait_for_function(
        "src => { const i = document.querySelector('#translation-attention img'); return i && i.src !== src; }",
        arg=first, timeout=30_000)


def test_text_without_letters_is_refused_and_a_cut_translation_says_so(page):
    open_tab(page, "translation")
    for text in ["?!... ;", "1234 5678"]:
        page.fill("#translation-input textarea", text)
        page.click("#translation-submit")
        shown_error(page, "translation").get_by_text("nothing to translate").wait_for(timeout=30_000)
    page.fill("input[aria-label='number input for max_length']", "1")
    page.press("input[aria-label='number input for max_length']", "Enter")
    page.fill("#translation-input textarea", "The fear of the LORD is the beginning of knowledge.")
    page.press("#translation-input textarea", "Shift+Enter")
    page.locator("#translation-notice li").get_by_text("cut short").wait_for(timeout=60_000)
    assert shown_error(page, "translation").count() == 0


def test_an_example_translates_and_greedy_decoding_runs_from_the_sliders(page):
    open_tab(page, "translation")
    page.get_by_text("In the beginning God created the heaven and the earth.").first.click()
    output = page.locator("#translation-output textarea")
    page.wait_for_function("document.querySelector('#translation-output textarea').value.startsWith('En el principio')",
                           timeout=60_000)
    beam = output.input_value()
    page.fill("input[aria-label='number input for beam_size']", "1")
    page.press("input[aria-label='number input for beam_size']", "Enter")
    page.fill("input[aria-label='number input for length_penalty']", "0")
    page.press("input[aria-label='number input for length_penalty']", "Enter")
    page.click("#translation-submit")
    page.locator("#translation-json-box, #translation-notice").first.wait_for(state="attached")
    page.wait_for_function("document.querySelector('#translation-output textarea').value.startsWith('En el principio')",
                           timeout=60_000)
    assert beam.startswith("En el principio")


def test_switching_to_the_ablation_translates_again_and_shows_its_card(page):
    open_tab(page, "translation")
    page.fill("#translation-input textarea", "Then they went out.")
    page.click("#translation-checkpoint input")
    page.get_by_role("option", name="en-es-noattn", exact=False).click()  # runs the model: no button needed
    page.wait_for_function("document.querySelector('#translation-output textarea').value.length > 3",
                           timeout=60_000)
    page.click("#translation-card-box button")
    page.locator("#translation-card").get_by_text("attention-free").first.wait_for(timeout=10_000)


# -- forecasting ---------------------------------------------------------------------------------

def test_upload_a_csv_and_see_the_forecast_its_numbers_and_its_errors(page, tmp_path):
    open_tab(page, "forecasting")
    assert not page.locator("#forecasting-errors").is_visible()  # nothing to score without hold out
    air = (ROOT / "plugins" / "forecasting" / "samples" / "AirPassengers.csv").read_text().strip().split("\n")
    csv = tmp_path / "airline.csv"
    # Two value columns: the column chooser offers both once the file is up.
    csv.write_text("\n".join(["Date,Passengers,Half"] + [f"{row},{float(row.split(',')[1]) / 2}" for row in air[1:]]))
    page.set_input_files("#forecasting-upload input[type=file]", str(csv))
    page.click("#forecasting-column input")
    page.get_by_role("option", name="Half").click()
    page.check("#forecasting-holdout input")
    page.click("#forecasting-submit")
    plot = page.locator("#forecasting-plot img")
    plot.wait_for(timeout=60_000)
    assert plot.bounding_box()["width"] > 400
    table = page.locator("#forecasting-errors")
    table.get_by_text("theta", exact=True).wait_for(timeout=30_000)
    table.get_by_text("lstm").wait_for(timeout=30_000)
    assert "DynamicOptimizedTheta" in table.inner_text()
    numbers = page.locator("#forecasting-table")
    numbers.get_by_text("1960-12").wait_for(timeout=10_000)  # the held-out months, one row each
    assert "actual (held out)" in numbers.inner_text()
    with page.expect_download() as download:
        page.locator("#forecasting-download a").first.click()
    rows = open(download.value.path()).read().strip().split("\n")
    # horizon 0 (the default): the usual for monthly data, 18 months
    assert rows[0].startswith("date,forecast,lower 80%,upper 80%") and len(rows) == 1 + 18
    screenshot(page, "forecasting")


def test_samples_horizon_and_level_change_the_forecast_without_stray_notices(page):
    open_tab(page, "forecasting")
    page.click("#forecasting-sample input")
    page.get_by_role("option", name="M3-N1404").click()
    page.fill("input[aria-label='number input for horizon']", "6")
    page.press("input[aria-label='number input for horizon']", "Enter")
    page.fill("input[aria-label='number input for level']", "90")
    page.press("input[aria-label='number input for level']", "Enter")
    page.click("#forecasting-submit")
    numbers = page.locator("#forecasting-table")
    numbers.get_by_text("lower 90%").wait_for(timeout=60_000)
    assert numbers.locator("[role=grid]").get_attribute("aria-rowcount") == str(1 + 6)
    # A built-in sample needs no fixing: the notice only names the checkpoint and why (M3 samples have no dates).
    assert page.locator("#forecasting-notice").inner_text().strip() == (
        "checkpoint m3-monthly: no dates, and no season in the values: the default")


def test_pasted_numbers_win_and_frequency_sets_the_season(page):
    open_tab(page, "forecasting")
    page.fill("#forecasting-numbers textarea", ", ".join(str(10 + (i % 4) * 3) for i in range(40)))
    page.click("#forecasting-frequency input")
    page.get_by_role("option", name="quarterly").click()
    page.click("#forecasting-submit")
    page.locator("#forecasting-plot img").wait_for(timeout=60_000)
    title = page.locator("#forecasting-plot").inner_text() + page.locator("#forecasting-table").inner_text()
    assert "step" in title  # no dates: the table counts steps
    # The quarterly season picks the checkpoint calibrated for quarterly series, and says so.
    assert page.locator("#forecasting-notice").inner_text().strip() == "checkpoint m3-quarterly: quarterly was chosen"


def test_a_forecasting_example_runs_with_hold_out(page):
    open_tab(page, "forecasting")
    page.get_by_text("M3-N1652").first.click()
    page.locator("#forecasting-errors").get_by_text("theta", exact=True).wait_for(timeout=60_000)
    # The yearly example is served by the yearly checkpoint, and says so.
    page.get_by_text("Sunspots").first.click()
    page.locator("#forecasting-notice").get_by_text("checkpoint m3-yearly: the dates are yearly").wait_for(timeout=60_000)


def test_a_bad_csv_gets_a_clear_message_which_a_new_upload_clears(page, tmp_path):
    open_tab(page, "forecasting")
    bad = tmp_path / "words.csv"
    bad.write_text("day,mood\nmon,happy\ntue,sad\n")
    page.set_input_files("#forecasting-upload input[type=file]", str(bad))
    page.click("#forecasting-submit")
    shown_error(page, "forecasting").get_by_text("no numeric column").wait_for(timeout=30_000)
    good = tmp_path / "good.csv"
    good.write_text("value\n" + "\n".join(str(10 + i % 12) for i in range(48)) + "\n")
    page.click("#forecasting-upload button[aria-label=Clear]")
    page.set_input_files("#forecasting-upload input[type=file]", str(good))
    shown_error(page, "forecasting").wait_for(state="detached", timeout=5_000)
    page.click("#forecasting-submit")
    page.locator("#forecasting-plot img").wait_for(timeout=30_000)


# -- a phone -------------------------------------------------------------------------------------

@pytest.mark.parametrize("tab", ["overview", "sentiment", "chargen", "translation", "forecasting"])
def test_every_tab_fits_a_phone(browser, app_url, tab):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(app_url)
        page.locator("button[role=tab]").first.wait_for()
        tabs = page.locator(f"#tab-{tab}-button")
        if not tabs.is_visible():  # Gradio folds tabs that do not fit into a menu
            page.locator(".overflow-menu button, button.overflow-menu").first.click()
            page.locator(f".overflow-dropdown button:has-text('{TITLES[tab]}')").click()
        else:
            tabs.click()
        page.wait_for_timeout(800)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{tab}: the page is {width[0]} px wide on a {width[1]} px phone"
        if tab == "overview":  # its tables scroll sideways rather than squeeze each column to a word
            assert page.locator("#overview-table td").first.bounding_box()["width"] >= 100
        else:
            button = page.locator(f"#{tab}-submit")
            box = button.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()


TITLES = {"overview": "Overview", "sentiment": "Sentiment", "chargen": "Text generation",
          "translation": "Translation", "forecasting": "Forecasting"}


# -- a broken plugin -----------------------------------------------------------------------------

def test_a_broken_plugin_is_named_at_the_top_and_the_rest_works(browser, tmp_path):
    from helpers import AppProcess

    (tmp_path / "broken.py").write_text("raise RuntimeError('this plugin is broken on purpose')\n")
    with AppProcess(env={"ZOO_PLUGINS_DIR": str(tmp_path), "ZOO_PLUGINS": "sentiment,broken"}) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            page.goto(app.url)
            notice = page.locator("#plugin-notices")
            notice.get_by_text("broken on purpose").wait_for(timeout=30_000)
            assert "broken" in notice.inner_text() and str(tmp_path) not in notice.inner_text()  # no server paths
            open_tab(page, "sentiment")
            page.fill("#sentiment-input textarea", "A fine film.")
            page.click("#sentiment-submit")
            page.locator("#sentiment-label [data-testid=label-output-value]").get_by_text(
                "positive", exact=True).wait_for(timeout=30_000)
        finally:
            context.close()
