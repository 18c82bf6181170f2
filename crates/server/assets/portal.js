// The portal's only script (served as a file: the Content-Security-Policy allows no inline script).
// Every page works without it: it starts the NHS design system's components and, on a page waiting for a
// wallet's answer, polls for the answer and reloads once it has come.
import { initAll } from './nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()

const waiting = document.querySelector('[data-poll-url]')
if (waiting) {
  const url = waiting.getAttribute('data-poll-url')
  const poll = async () => {
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/plain' } })
      if (response.ok && (await response.text()).trim() !== 'pending') {
        window.location.reload()
        return
      }
    } catch (_) {
      // A failed poll is retried; the "Check again" button still works.
    }
    window.setTimeout(poll, 1500)
  }
  window.setTimeout(poll, 1500)
}
