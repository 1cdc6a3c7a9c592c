/* Spends Tracker web dashboard: a purchase suggested from a receipt (issue #27, API.md § Receipt suggestions).
 * The add dialog's drop zone calls `window.spendsReceiptSuggest(file, form)`: the file goes to
 * POST /api/receipts/suggest, the fields it could read fill `form` (the dialog's Alpine form object), and the inputs
 * of fields read with low confidence get the class `receipt-unsure` until the user edits them. Nothing is saved here:
 * the user checks the form and saves it as usual. The dialog does not wait for it, so it tells the user itself (a
 * notice: what it filled, or the server's plain-words reason, e.g. no OCR engine) and resolves to the API's answer,
 * or null when the receipt could not be read (the form is then left as it was).
 */
(() => {
  const api = window.SpendsApi;
  const UNSURE = 0.7; // below this confidence a field is marked for checking
  const UNSURE_CLASS = "receipt-unsure";
  // The answer's fields and the form's (the dialog keeps the retailer by name; the catalog id is resolved on save).
  const FIELDS = {
    product_name: "product_name",
    price: "price",
    currency_code: "currency_code",
    purchase_date: "purchase_date",
    retailer_name: "retailer_name",
  };

  /** The inputs bound to `form.<field>` in the open dialog(s) (or the whole page when no dialog is open). */
  function inputsOf(field) {
    const scope = document.querySelectorAll("dialog[open]");
    const roots = scope.length ? Array.from(scope) : [document];
    return roots.flatMap((root) => Array.from(root.querySelectorAll(`[x-model="form.${field}"]`)));
  }

  function unmark(input) {
    input.classList.remove(UNSURE_CLASS);
    input.removeAttribute("data-receipt-hint");
  }

  function mark(field, confidence) {
    for (const input of inputsOf(field)) {
      unmark(input);
      if (confidence >= UNSURE) continue;
      input.classList.add(UNSURE_CLASS);
      input.setAttribute("data-receipt-hint", "Read from the receipt with low confidence: please check.");
      input.addEventListener("input", () => unmark(input), { once: true });
    }
  }

  /** Fills `form` from the answer: only the fields the receipt gave (a null leaves what the user typed). */
  function fill(form, answer) {
    const filled = [];
    for (const [from, to] of Object.entries(FIELDS)) {
      const value = answer.suggestion[from];
      if (value === null || value === undefined || value === "") continue;
      form[to] = value;
      filled.push(to);
    }
    if (answer.suggestion.retailer_id && "retailer_id" in form) form.retailer_id = answer.suggestion.retailer_id;
    return filled;
  }

  function notify(message, kind) {
    const ui = window.Alpine && window.Alpine.store("ui");
    if (ui) ui.notify(message, kind);
  }

  window.spendsReceiptSuggest = async (file, form) => {
    const body = new FormData();
    body.append("file", file);
    let answer;
    try {
      answer = await api.upload("/api/receipts/suggest", body);
    } catch (err) {
      const reason = api.fieldErrors(err.errors, "file") || err.detail;
      notify(`The receipt could not be read: ${reason} Fill in the purchase by hand.`, "error");
      return null;
    }
    const filled = fill(form, answer);
    const unsure = filled.filter((field) => (answer.confidence[field] ?? 0) < UNSURE);
    if (!filled.length) notify("Nothing could be read from the receipt: fill in the purchase by hand.", "error");
    else notify(`Filled from the receipt${unsure.length ? ": please check the marked fields" : ""}.`);
    // Marks after Alpine has rendered the new values into the inputs.
    const marks = () => filled.forEach((field) => mark(field, answer.confidence[field] ?? 0));
    if (window.Alpine && typeof window.Alpine.nextTick === "function") window.Alpine.nextTick(marks);
    else marks();
    return answer;
  };
})();
