import { createRouter, createWebHistory } from 'vue-router'
import HomeView from './views/HomeView.vue'
import ItemView from './views/ItemView.vue'
import { reportTokens } from './lib/reports.js'

// Screens other than home and an item's guide load on first use, keeping the initial
// JavaScript small. The guide is where shared links land: bundled, it costs a few KB and
// saves the round trip of fetching its code before its data.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView },
    { path: '/search', name: 'search', component: () => import('./views/SearchView.vue') },
    { path: '/items/:id', name: 'item', component: ItemView },
    { path: '/items/:id/apply', name: 'apply', component: () => import('./views/ApplyView.vue'), meta: { auth: true } },
    { path: '/signin', name: 'signin', component: () => import('./views/SignInView.vue') },
    { path: '/signup', name: 'signup', component: () => import('./views/SignUpView.vue') },
    { path: '/applications', name: 'cases', component: () => import('./views/CasesView.vue'), meta: { auth: true } },
    { path: '/applications/:id', name: 'case', component: () => import('./views/CaseView.vue'), meta: { auth: true } },
    { path: '/inbox', name: 'inbox', component: () => import('./views/InboxView.vue'), meta: { auth: true } },
    { path: '/me', name: 'me', component: () => import('./views/MeView.vue') },
    { path: '/me/preferences', name: 'preferences', component: () => import('./views/PreferencesView.vue'), meta: { auth: true } },
    { path: '/rectifications/:id', name: 'rectification', component: () => import('./views/RectificationView.vue'), meta: { auth: true } },
    { path: '/reports', name: 'reports', component: () => import('./views/ReportsView.vue') },
    { path: '/reports/new', name: 'report-new', component: () => import('./views/ReportNewView.vue') },
    { path: '/reports/:id', name: 'report', component: () => import('./views/ReportView.vue'), meta: { auth: true } },
    { path: '/items/:id/book', name: 'book', component: () => import('./views/BookView.vue'), meta: { auth: true } },
    { path: '/appointments', name: 'appointments', component: () => import('./views/AppointmentsView.vue'), meta: { auth: true } },
    { path: '/appointments/:id', name: 'appointment', component: () => import('./views/AppointmentView.vue'), meta: { auth: true } },
    { path: '/desk', name: 'desk', component: () => import('./views/HallDeskView.vue'), meta: { auth: true } },
    { path: '/receipts/:id', name: 'receipt', component: () => import('./views/ReceiptView.vue'), meta: { auth: true } },
    { path: '/inspections', name: 'inspections', component: () => import('./views/InspectionsView.vue'), meta: { auth: true } },
    { path: '/inspections/:id', name: 'inspection', component: () => import('./views/InspectionView.vue'), meta: { auth: true } },
    { path: '/plans', name: 'plans', component: () => import('./views/PlansView.vue'), meta: { auth: true } },
    { path: '/plans/:id', name: 'plan', component: () => import('./views/PlanView.vue'), meta: { auth: true } },
    { path: '/teams', name: 'teams', component: () => import('./views/TeamsView.vue'), meta: { auth: true } },
    { path: '/tasks', name: 'tasks', component: () => import('./views/TasksView.vue'), meta: { auth: true } },
    { path: '/finance/:tenant?', name: 'finance', component: () => import('./views/FinanceView.vue'), meta: { auth: true } },
    { path: '/insight/:tenant?', name: 'insight', component: () => import('./views/InsightView.vue'), meta: { auth: true } },
    { path: '/insight/:tenant/departments/:department', name: 'insight-department', component: () => import('./views/InsightDepartmentView.vue'), meta: { auth: true } },
    { path: '/insight/:tenant/items/:item', name: 'insight-item', component: () => import('./views/InsightItemView.vue'), meta: { auth: true } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach((to) => {
  // A report this device made without an account is read with its report token.
  if (to.name === 'report' && reportTokens()[to.params.id]) return true
  if (to.meta.auth && !localStorage.getItem('mgov.session')) return { name: 'signin', query: { next: to.fullPath } }
  return true
})
