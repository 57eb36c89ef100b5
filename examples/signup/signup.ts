/**
 * A form with field errors. The event's schema only checks the payload's shape
 * (strings, of sane length), so anything a form cannot send is refused with 422
 * before the handler runs; the handler then checks the content with
 * `validated()`, so a mistake re-renders the form with a message beside the field
 * (and what the user typed still in place) instead of answering 422.
 */
import { Component, html } from 'weft';
import { z } from 'zod';

/** What the form sends: text fields (a radio group sends nothing until one is picked). */
const SignupFields = z.object({
  name: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  plan: z.string().max(20).optional(),
});
type SignupFields = z.infer<typeof SignupFields>;

/** What a valid sign-up is. */
const SignupForm = z.object({
  name: z.string().trim().min(1, 'Tell us your name.'),
  email: z.string().trim().email('That does not look like an email address.'),
  plan: z.enum(['free', 'pro'], { message: 'Pick a plan.' }),
});

export interface SignupState {
  /** What the user typed last, so a re-render with errors keeps it. */
  name: string;
  email: string;
  plan: string;
  /** Set once the form was accepted. */
  welcome: string | null;
}

export class Signup extends Component<SignupState> {
  static override events = { submit: SignupFields, reset: true };
  static override locked = ['name', 'email', 'plan', 'welcome'];

  mount(): SignupState {
    return { name: '', email: '', plan: '', welcome: null };
  }

  async submit(payload: SignupFields): Promise<void> {
    this.state.name = payload.name ?? '';
    this.state.email = payload.email ?? '';
    this.state.plan = payload.plan ?? '';
    const form = await this.validated(SignupForm, payload);
    if (!form) return;
    this.state.welcome = `Welcome, ${form.name}! A ${form.plan} account is on its way to ${form.email}.`;
  }

  reset(): void {
    this.state = this.mount();
  }

  override render() {
    const { name, email, plan, welcome } = this.state;
    if (welcome) {
      return html`<p class="welcome">${welcome}</p><button type="button" class="again" ${this.on('reset')}>Sign up someone else</button>`;
    }
    const error = (field: string) => this.errors[field] && html`<span class="error" data-for="${field}">${this.errors[field]}</span>`;
    const option = (value: string, label: string) =>
      html`<label><input type="radio" name="plan" value="${value}" ${plan === value && 'checked'}> ${label}</label>`;
    return html`<form ${this.on('submit')}>
<p><label>Name <input type="text" name="name" value="${name}"></label> ${error('name')}</p>
<p><label>Email <input type="text" name="email" value="${email}"></label> ${error('email')}</p>
<p>${option('free', 'Free')} ${option('pro', 'Pro')} ${error('plan')}</p>
<p><button type="submit" class="primary">Sign up</button></p>
</form>`;
  }
}
