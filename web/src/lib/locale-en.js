export default {
  app: { close: 'Close', name: 'Zheli Ban', offline: 'You are offline; showing cached content', loading: 'Loading…', empty: 'Nothing here yet', retry: 'Retry', back: 'Back', signInFirst: 'Please sign in first' },
  tab: { home: 'Home', cases: 'Cases', inbox: 'Messages', me: 'Me', tasks: 'Tasks' },
  region: { switch: 'Switch region', title: 'Choose a region', chooseThis: 'Choose {name} (this level)', province: 'Province', city: 'City', county: 'County' },
  home: { search: 'Search services', searchButton: 'Search', categories: 'Categories', notices: 'Notices', popular: 'Popular services', noNotices: 'No notices' },
  search: { results: 'Results', none: 'No matching services' },
  item: {
    applyOnline: 'Apply online', notOnline: 'This service cannot be applied for online; please visit the service hall', conditions: 'Conditions',
    materials: 'Materials', fees: 'Fees', free: 'Free', limits: 'Time limits', statutory: 'Statutory limit {n} working days',
    promised: 'Promised within {n} working days', channels: 'Channels', visits: 'Visits', visitsN: 'At most {n} visits', online: 'Online',
    yes: 'Yes', no: 'No', agency: 'Agency', address: 'Address', contact: 'Phone', hours: 'Office hours', steps: 'Steps', legal: 'Legal basis',
    required: 'required', optional: 'optional', channel: { app: 'App', web: 'Web', service_hall: 'Service hall' },
  },
  auth: {
    phone: 'Phone', password: 'Password', name: 'Name', signIn: 'Sign in', signUp: 'Sign up', signOut: 'Sign out', noAccount: 'No account yet?',
    region: 'Region of residence', signedUp: 'Signed up; please sign in', phoneRule: 'An 11-digit mobile number', passwordRule: 'At least 8 characters',
    required: 'Required',
  },
  apply: {
    title: 'Apply', submit: 'Submit', submitted: 'Submitted', caseNumber: 'Case number', materials: 'Materials', upload: 'Upload {name}',
    uploaded: 'Uploaded', fix: 'Please check the fields marked in red', viewCase: 'View case', uploading: 'Uploading {n}%',
  },
  form: {
    required: 'Required', minLength: 'At least {n} characters', maxLength: 'At most {n} characters', pattern: 'Invalid format', choose: 'Please choose',
    number: 'Enter a number', integer: 'Enter a whole number', minimum: 'At least {n}', maximum: 'At most {n}', exclusiveMinimum: 'Greater than {n}',
    exclusiveMaximum: 'Less than {n}', date: 'Enter a valid date', minItems: 'At least {n} entries', maxItems: 'At most {n} entries',
    add: 'Add {name}', remove: 'Remove entry {n}', item: 'Entry {n}', placeholder: 'Enter', select: 'Choose',
  },
  cases: {
    title: 'My cases', none: 'No cases yet', status: 'Status', timeline: 'Progress', next: 'Next step', due: 'Due', submitTime: 'Submitted',
    nextStep: { submitted: 'Waiting to be accepted', under_review: 'Under review', returned: 'Correct as asked and resubmit', done: 'Closed' },
    returned: 'Comment', resubmit: 'Resubmit', resubmitted: 'Resubmitted', form: 'Application', materials: 'Materials',
    action: { submit: 'Submitted', claim: 'Claimed', assign: 'Assigned' },
  },
  rating: {
    rate: 'Rate', levels: { 5: 'Very satisfied', 4: 'Satisfied', 3: 'Acceptable', 2: 'Dissatisfied', 1: 'Very dissatisfied' }, comment: 'Comment',
    submit: 'Submit rating', thanks: 'Thank you for your rating', yours: 'Your rating',
  },
  inbox: { title: 'Messages', none: 'No messages', readAll: 'Mark all read', unread: 'unread' },
  me: {
    invitations: 'Staff invitations', invitedAs: '{tenant} invites you as {roles}', accept: 'Accept', decline: 'Decline', title: 'Me', language: '中文', preferences: 'Notification settings', push: 'Turn on push notifications', pushOn: 'Push notifications are on',
    pushUnsupported: 'This browser cannot receive push notifications; every notification is still in Messages',
    pushDenied: 'Push notifications were not allowed; you can allow them in the browser settings',
    pushFailed: 'This browser could not subscribe to push: {reason}. Every notification is still in Messages',
    pushUnavailable: 'Push is not configured on this platform', staff: 'Staff', roles: 'Roles',
  },
  prefs: {
    title: 'Notification settings', channels: 'Channels', quiet: 'Quiet hours', quietOn: 'Quiet hours on', start: 'From', end: 'Until', save: 'Save',
    saved: 'Saved', category: { case_progress: 'Case progress', case_outcome: 'Case outcome', notice: 'Notices', rating: 'Ratings', task: 'Tasks', sla: 'Deadlines', rectification: 'Rectification' },
    channel: { in_app: 'In app', push: 'Push', sms: 'SMS' },
  },
  tasks: {
    title: 'Tasks', none: 'No tasks', claim: 'Claim', claimed: 'Claimed', due: 'Due', overdue: 'Overdue', dueSoon: 'Due soon', comment: 'Comment',
    stale: 'Someone else changed this case; it was reloaded, please check and try again', done: 'Done', commentRequired: 'A comment is required',
    rectification: 'Rectification', unassigned: 'Unassigned', mine: 'Mine',
  },
  role: { clerk: 'Clerk', approver: 'Approver', supervisor: 'Supervisor', tenant_admin: 'Administrator', province_admin: 'Province administrator', citizen: 'Citizen' },
  error: { offline: 'No network; check the connection and retry', generic: 'Something went wrong; please retry' },
}
