#!/usr/bin/python3
"""The /account/ portal in a real browser: headless Chromium driven by Selenium (Debian's
chromium, chromium-driver and python3-selenium), against a running `plinth-host serve` with a real
MariaDB. Started by portal_browser_test.cpp (CTest), which starts the server and passes:

  browser_test.py ORIGIN HOME HOST_BINARY SCREENSHOT_DIR DOWNLOAD_DIR

HOME is the server's state folder: the vendor's side (issuing a license, activating sites, making
a staff account) runs `plinth-host call` there as an operator would, and the server's stderr.log
stands in for the customer's mailbox (the privacy module's one-time codes arrive there).
Exit status 0 when every step passed; the failing step is printed otherwise.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ORIGIN, HOME, HOST, SHOTS, DOWNLOADS = sys.argv[1:6]
CUSTOMER = {"email": "ada@example.com", "username": "ada", "first_name": "Ada",
            "last_name": "O'Brien <Lovelace>", "password": "correct horse battery staple"}
STAFF = {"email": "sam@vendor.example", "username": "sam", "password": "staff horse battery staple"}


def cli(*args):
    """One `plinth-host call` as the operator's console; the parsed JSON answer."""
    env = dict(os.environ, PLINTH_HOME=HOME, PLINTH_CONFIG=os.path.join(HOME, "plinth.json"))
    env.pop("PLINTH_MODULE_DIR", None)
    out = subprocess.run([HOST, "call", *args], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError(f"plinth-host call {' '.join(args)} failed: {out.stdout} {out.stderr}")
    return json.loads(out.stdout)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=420,900", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(a)
    options.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS,
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(120)
    return driver



def replaced(element):
    """Whether the page that held `element` is gone. Chromium reports a node of a page being torn
    down either as stale or as "does not belong to the document", depending on timing."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e):
            return True
        raise

class Steps:
    def __init__(self, driver):
        self.d = driver
        self.shots = []

    def go(self, path):
        self.d.get(ORIGIN + path)

    def shot(self, name):
        """A screenshot of the whole page at phone width (PNG)."""
        height = self.d.execute_script("return document.documentElement.scrollHeight")
        self.d.set_window_size(420, min(max(height + 20, 500), 1600))
        path = os.path.join(SHOTS, name + ".png")
        self.d.save_screenshot(path)
        self.d.set_window_size(420, 900)
        self.shots.append(path)

    def fill(self, **fields):
        for name, value in fields.items():
            box = self.d.find_element(By.ID, name)
            box.clear()
            box.send_keys(value)

    def click(self, element):
        """Clicks a link or button and waits until the next page has replaced this one."""
        page = self.d.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(self.d, 60).until(lambda _: replaced(page))

    def submit(self, form_action, button_text=None):
        form = self.d.find_element(By.CSS_SELECTOR, f'form[action="{form_action}"]')
        buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit]")
        if button_text:
            buttons = [b for b in buttons if b.text == button_text]
        self.click(buttons[0])

    def text(self):
        return self.d.find_element(By.TAG_NAME, "main").text

    def expect(self, words, where=None):
        body = where if where is not None else self.text()
        assert words in body, f"expected {words!r} on {self.d.current_url}, page says:\n{body}"

    def title(self):
        return self.d.find_element(By.TAG_NAME, "h1").text

    def sign_in(self, login, password):
        self.go("/account/sign-in")
        self.fill(login=login, password=password)
        self.submit("/account/sign-in")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    os.makedirs(DOWNLOADS, exist_ok=True)
    d = browser()
    s = Steps(d)
    try:
        run(s)
    finally:
        d.quit()
    print("portal browser test passed;", len(s.shots), "screenshots in", SHOTS)


def headers_and_refusals():
    """What every page answers with, seen without a browser: the security headers, the cookie's
    attributes, and a cross-site POST (no cookie, no token, a foreign Origin) refused."""
    with urllib.request.urlopen(ORIGIN + "/account/sign-in") as r:
        h = r.headers
        assert "script-src" not in h["Content-Security-Policy"] and "default-src 'none'" in h["Content-Security-Policy"], h
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"], h
        assert h["X-Frame-Options"] == "DENY", h
        assert h["X-Content-Type-Options"] == "nosniff", h
        cookie = h["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/account/" in cookie, cookie
        assert "Secure" not in cookie, "plain HTTP: no Secure"
        body = r.read().decode()
        assert "<script" not in body and " style=" not in body, "no inline script or style"
    forged = urllib.request.Request(ORIGIN + "/account/sign-in", method="POST",
                                    data=b"login=ada&password=x",
                                    headers={"Origin": "https://evil.example",
                                             "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(forged)
        raise AssertionError("a forged POST was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code


def run(s):
    headers_and_refusals()
    # ---- A customer registers and signs in ----
    s.go("/account/register")
    s.shot("register")
    s.fill(**{k: CUSTOMER[k] for k in ("email", "username", "first_name", "last_name", "password")})
    s.submit("/account/register")
    s.expect("Your account is ready")
    s.sign_in(CUSTOMER["email"], "a wrong password")
    s.expect("is not right")
    s.shot("sign-in-refused")
    s.sign_in(CUSTOMER["email"], CUSTOMER["password"])
    assert s.title() == "Your licenses", s.title()
    s.expect("You have no licenses yet")

    # ---- The vendor issues a license; the customer's sites activate it ----
    user_id = cli("accounts", "subject.resolve", json.dumps({"email": CUSTOMER["email"]}))["user_id"]
    cli("licenses", "product.create", '{"slug":"seo","name":"SEO Pro"}')
    policy = cli("licenses", "policy.create",
                 '{"product":"seo","name":"Agency","seat_limit":3,"duration_days":365,"grace_days":14}')
    license = cli("licenses", "license.issue", json.dumps({"user_id": user_id, "policy_id": policy["id"]}))
    for site in ("https://www.shop.example.com/", "https://blog.example.org/news"):
        cli("licenses", "activation.activate", json.dumps({"key": license["key"], "site": site}))

    # ---- Licenses: masked key, sites by canonical name, seats, expiry and grace ----
    s.go("/account/licenses")
    s.expect("seo")
    s.expect("2 of 3")
    s.shot("licenses")
    s.click(s.d.find_element(By.LINK_TEXT, f"License {license['id']}"))
    page = s.text()
    assert license["key"] not in s.d.page_source, "the full key reached the browser"
    s.expect(license["key"][-5:])
    s.expect("shop.example.com")
    s.expect("blog.example.org/news")
    s.expect("Grace period ends")
    s.shot("license")
    s.click(s.d.find_element(By.CSS_SELECTOR, 'button[aria-label="Deactivate blog.example.org/news"]'))
    s.expect("its seat is free")
    s.expect("1 of 3")
    assert "blog.example.org" not in s.text(), s.text()

    # ---- A POST without its CSRF token is refused ----
    s.d.execute_script("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    s.click(s.d.find_element(By.CSS_SELECTOR, 'button[aria-label="Deactivate shop.example.com"]'))
    assert s.title() == "Form refused", s.title()
    s.shot("csrf-refused")
    s.go(f"/account/licenses/{license['id']}")
    s.expect("shop.example.com")

    if os.environ.get("PORTAL_TEST_STAGE") == "1":
        return
    tickets_and_privacy(s, user_id, license["id"])


def mailbox_code(request_id):
    """The one-time code the privacy module sent for `request_id`: the server's stderr stands in
    for the customer's mailbox (plinth-host prints plinth.notify/1 messages there)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        with open(os.path.join(HOME, "stderr.log"), encoding="utf-8", errors="replace") as f:
            text = f.read()
        m = re.findall(r"Subject: Please confirm your data request %d\n.*?\n    ([0-9a-f]{64})\n" % request_id,
                       text, re.S)
        if m:
            return m[-1]
        time.sleep(0.5)
    raise AssertionError(f"no confirmation code for request {request_id} reached the mailbox")


def request_id_of(s):
    m = re.search(r"/account/data/request/(\d+)", s.d.current_url)
    assert m, s.d.current_url
    return int(m.group(1))


def confirm_request(s, request_id):
    s.fill(code=mailbox_code(request_id))
    s.submit(f"/account/data/request/{request_id}/confirm")
    s.expect("Your request is confirmed")


def wait_for_download(name, timeout=60):
    path = os.path.join(DOWNLOADS, name)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            return path
        time.sleep(0.3)
    raise AssertionError(f"{name} was not downloaded: {os.listdir(DOWNLOADS)}")


def tickets_and_privacy(s, user_id, license_id):
    # ---- Another customer's ticket is "not found" ----
    other = cli("accounts", "register", json.dumps({"email": "eve@example.com", "username": "eve",
                                                    "first_name": "Eve", "password": "another horse battery"}))
    theirs = subprocess.run([HOST, "call", "tickets", "ticket.create",
                             '{"subject":"Eve\'s private problem","description":"secret"}',
                             "--as", str(other["user_id"])],
                            env=dict(os.environ, PLINTH_HOME=HOME, PLINTH_CONFIG=os.path.join(HOME, "plinth.json")),
                            capture_output=True, text=True, timeout=120)
    their_id = json.loads(theirs.stdout)["id"]
    s.go(f"/account/tickets/{their_id}")
    assert s.title() == "Not found", s.title()
    assert "Eve" not in s.d.page_source
    s.shot("not-found")

    # ---- A ticket with its environment and an attachment ----
    attachment = os.path.join(DOWNLOADS, "debug-log.txt")
    with open(attachment, "w") as f:
        f.write("PHP Warning: sitemap.xml could not be written\n")
    s.go("/account/tickets/new")
    s.fill(subject="Sitemap <b>not</b> generated", description="Since 2.3 the sitemap is empty.\nSteps: ...",
           product="seo", cms_version="6.4.2", php_version="8.2.10", server_software="nginx/1.24")
    s.d.find_element(By.ID, "attachment").send_keys(attachment)
    s.shot("ticket-new")
    s.submit("/account/tickets/new")
    s.expect("Your ticket is open")
    ticket_id = int(re.search(r"/account/tickets/(\d+)", s.d.current_url).group(1))
    s.expect("debug-log.txt")
    s.expect("6.4.2")
    s.fill(site_url="https://shop.example.com/wp-admin", cred_username="support", cred_password="temporary-Pa55")
    s.submit(f"/account/tickets/{ticket_id}/credentials")
    s.expect("stored encrypted")
    s.expect("expires")
    s.go("/account/tickets")
    s.expect("Sitemap <b>not</b> generated")  # escaped: shown as text
    s.shot("tickets")

    # ---- Staff answer the ticket and reveal the credentials with a reason ----
    staff = cli("accounts", "register", json.dumps({"email": STAFF["email"], "username": STAFF["username"],
                                                    "first_name": "Sam", "password": STAFF["password"]}))
    cli("accounts", "role.set", json.dumps({"user_id": staff["user_id"], "role": "staff"}))
    customer_cookies = s.d.get_cookies()
    s.d.delete_all_cookies()
    s.sign_in(STAFF["username"], STAFF["password"])
    s.go("/account/staff/tickets")
    s.expect("Sitemap <b>not</b> generated")
    s.shot("staff-queue")
    s.go(f"/account/staff/tickets/{ticket_id}")
    s.fill(body="Thanks, we are looking at it. Could you try 2.3.1?")
    s.submit(f"/account/staff/tickets/{ticket_id}/reply")
    s.expect("Your reply is added")
    s.shot("staff-ticket")
    reason = s.d.find_element(By.CSS_SELECTOR, "input[name=reason]")
    reason.send_keys("Reproduce the empty sitemap on the customer's site")
    s.click(reason.find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, "button"))
    s.expect("temporary-Pa55")
    s.shot("staff-reveal")
    s.go("/account/staff/licenses")
    s.fill(query="ada")
    s.submit("/account/staff/licenses")
    s.expect("ada@example.com")
    s.expect(f"License {license_id}: seo")
    assert "ada" not in s.d.current_url
    s.shot("staff-license-lookup")
    staff_cookies = s.d.get_cookies()

    # ---- The customer sees the answer and who revealed the credentials ----
    s.d.delete_all_cookies()
    for c in customer_cookies:
        s.d.add_cookie(c)
    s.go(f"/account/tickets/{ticket_id}")
    s.expect("Could you try 2.3.1?")
    s.expect(f"revealed to staff member {staff['user_id']}")
    s.expect("Reason: Reproduce the empty sitemap")
    assert "temporary-Pa55" not in s.d.page_source
    s.shot("ticket")

    # ---- Profile ----
    s.go("/account/profile")
    s.expect("O'Brien <Lovelace>")
    s.shot("profile")

    # ---- My data: the register, a consent toggle, an export ----
    s.go("/account/data")
    s.expect("What we keep, why, and for how long")
    s.expect("ticket attachments")
    s.click(s.d.find_element(By.CSS_SELECTOR, 'button[aria-label^="Allow: Analyse my AI prompts"]'))
    s.expect("Your choice is recorded")
    s.expect("Allowed")
    s.shot("my-data")
    s.submit("/account/data/export")
    s.expect("We sent a one-time code")
    export_id = request_id_of(s)
    assert "ada" not in s.d.current_url
    s.shot("request-confirm")
    confirm_request(s, export_id)

    def as_staff_carry_out(request_id):
        customer = s.d.get_cookies()
        s.d.delete_all_cookies()
        for c in staff_cookies:
            s.d.add_cookie(c)
        s.go("/account/staff/requests")
        s.expect(f"Request {request_id}")
        s.shot("staff-requests")
        s.click(s.d.find_element(By.CSS_SELECTOR, f'button[aria-label="Carry out request {request_id}"]'))
        s.expect("The request was carried out")
        s.d.delete_all_cookies()
        for c in customer:
            s.d.add_cookie(c)

    as_staff_carry_out(export_id)
    s.go(f"/account/data/request/{export_id}")
    s.expect("Download your data")
    s.shot("export-ready")
    s.d.find_element(By.PARTIAL_LINK_TEXT, "Download your data").click()
    archive = wait_for_download(f"my-data-{export_id}.zip")
    with zipfile.ZipFile(archive) as z:
        assert z.testzip() is None, "the archive is corrupt"
        names = z.namelist()
        assert "export.json" in names and "manifest.json" in names, names
        files = [n for n in names if n.startswith("files/tickets/") and n.endswith("debug-log.txt")]
        assert files, f"the attachment is not in the archive: {names}"
        assert z.read(files[0]) == b"PHP Warning: sitemap.xml could not be written\n"

    # ---- Erasure: the confirmation step, the code, staff carry it out, no more sign-in ----
    s.go("/account/data/erase")
    s.expect("must be kept for a time by law")
    s.expect("10 years after expiry")
    s.shot("erase")
    s.d.find_element(By.ID, "understood").click()
    s.submit("/account/data/erase")
    erase_id = request_id_of(s)
    confirm_request(s, erase_id)
    as_staff_carry_out(erase_id)
    s.go("/account/licenses")
    assert s.title() == "Sign in", s.title()
    s.sign_in(CUSTOMER["email"], CUSTOMER["password"])
    s.expect("is not right")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAILED:", e, file=sys.stderr)
        sys.exit(1)
