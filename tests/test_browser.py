"""A person uses the app in a real browser (Debian Chromium driven by Playwright)."""
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


def test_type_a_sentence_and_see_the_verdict_and_the_words_that_drove_it(page):
    page.click("#tab-sentiment-button, button[role=tab]:has-text('Sentiment')")
    page.fill("#sentiment-input textarea", "A funny, tender and beautifully acted film.")
    page.click("#sentiment-submit")
    verdict = page.locator("#sentiment-label [data-testid=label-output-value]")
    verdict.get_by_text("positive", exact=True).wait_for(timeout=30_000)
    highlight = page.locator("#sentiment-highlight")
    highlight.get_by_text("beautifully").first.wait_for(timeout=10_000)
    os.makedirs(ROOT / "docs", exist_ok=True)
    if os.environ.get("ZOO_SCREENSHOT"):  # refresh the README's picture
        page.wait_for_timeout(2000)  # let the outputs' pending fade finish
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)


def test_an_empty_sentence_shows_a_clear_message_and_the_tab_still_works(page):
    page.click("#tab-sentiment-button, button[role=tab]:has-text('Sentiment')")
    page.fill("#sentiment-input textarea", "   ")
    page.click("#sentiment-submit")
    page.locator("#sentiment-notice").get_by_text("empty").wait_for(timeout=30_000)
    page.fill("#sentiment-input textarea", "A dreary, lifeless film.")
    page.click("#sentiment-submit")
    page.locator("#sentiment-label [data-testid=label-output-value]").get_by_text(
        "negative", exact=True).wait_for(timeout=30_000)


def test_examples_shift_enter_and_checkpoint_changes_all_run_the_model(page):
    page.click("#tab-sentiment-button, button[role=tab]:has-text('Sentiment')")
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


def test_generated_text_streams_in_and_stop_ends_it(page):
    page.click("button[role=tab]:has-text('Text generation')")
    output = page.locator("#chargen-output textarea")
    page.fill("#chargen-input textarea", "In the beginning")
    page.click("#chargen-submit")
    page.wait_for_function("document.querySelector('#chargen-output textarea').value.length > 100", timeout=30_000)
    assert output.input_value().startswith("In the beginning")
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
    page.wait_for_timeout(500)
    stopped = output.input_value()
    page.wait_for_timeout(1000)
    assert output.input_value() == stopped  # nothing arrives after Stop
    assert len(stopped) < len("And God said") + 10_000


def test_a_translation_comes_with_an_attention_map_for_each_sentence(page):
    page.click("button[role=tab]:has-text('Translation')")
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
    # The second sentence's map is drawn from the result on the page: a different picture.
    page.click("#translation-sentence input")
    page.get_by_role("option", name="2. Then they went out.").click()
    page.wait_for_function(
        "src => { const i = document.querySelector('#translation-attention img'); return i && i.src !== src; }",
        arg=first, timeout=30_000)


def test_text_without_words_gets_a_clear_message_and_translation_still_works(page):
    page.click("button[role=tab]:has-text('Translation')")
    page.fill("#translation-input textarea", "?!... ;")
    page.click("#translation-submit")
    page.locator("#translation-notice").get_by_text("nothing to translate").wait_for(timeout=30_000)
    page.fill("#translation-input textarea", "The fear of the LORD is the beginning of knowledge.")
    page.press("#translation-input textarea", "Shift+Enter")
    page.wait_for_function("document.querySelector('#translation-output textarea').value.length > 10",
                           timeout=60_000)


def test_upload_a_csv_and_see_the_forecast_with_its_errors(page, tmp_path):
    page.click("button[role=tab]:has-text('Forecasting')")
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
    table.get_by_text("theta").wait_for(timeout=30_000)
    table.get_by_text("lstm").wait_for(timeout=30_000)
    if os.environ.get("ZOO_SCREENSHOT"):
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ROOT / "docs" / "forecasting.png"), full_page=True)


def test_a_csv_without_numbers_gets_a_clear_message_and_forecasting_still_works(page, tmp_path):
    page.reload()  # a fresh tab: no file from the test before
    page.click("button[role=tab]:has-text('Forecasting')")
    bad = tmp_path / "words.csv"
    bad.write_text("day,mood\nmon,happy\ntue,sad\n")
    page.set_input_files("#forecasting-upload input[type=file]", str(bad))
    page.uncheck("#forecasting-holdout input")
    page.click("#forecasting-submit")
    page.locator("#forecasting-notice").get_by_text("no numeric column").wait_for(timeout=30_000)
    page.fill("#forecasting-numbers textarea", ", ".join(str(10 + i % 12) for i in range(48)))
    page.click("#forecasting-submit")
    page.wait_for_function("() => !document.querySelector('#forecasting-notice').innerText.includes('numeric')",
                           timeout=30_000)
    page.locator("#forecasting-plot img").wait_for(timeout=30_000)
