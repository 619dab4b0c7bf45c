// Enhances the console's pages with GOV.UK Frontend's own components. Every
// page works without this file: it only adds the behaviour GOV.UK Frontend's
// JavaScript gives (error summary focus, menu toggle, details, and so on).
// Loaded as an external module so the Content-Security-Policy needs no inline
// script.
import { initAll } from './govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}
initAll()
