// The error state every account form keeps: one message per field (shown at the field) and one
// for the whole form (shown above the submit button), and the ways pages fill and clear them.
// It must never show UI itself nor decide navigation (see api/identity.js authRedirect).
import { reactive, ref, watch } from 'vue'
import { identityFieldErrors } from '../api/identity.js'

// `fields` are the form's camelCase field names; `values` maps some of them to the refs typed
// into, whose field error goes as soon as the value changes.
export function useFormErrors(fields, values = {}) {
  const errors = reactive(Object.fromEntries(fields.map((f) => [f, ''])))
  const formError = ref('')
  for (const f of Object.keys(values)) watch(values[f], () => (errors[f] = ''))

  function clearErrors() {
    for (const f of fields) errors[f] = ''
    formError.value = ''
  }

  // Puts the API's field errors of `err` at this form's fields; true when one was shown.
  function showFieldErrors(err) {
    const found = identityFieldErrors(err)
    let shown = false
    for (const f of fields) {
      if (found[f]) {
        errors[f] = found[f]
        shown = true
      }
    }
    return shown
  }

  return { errors, formError, clearErrors, showFieldErrors }
}
